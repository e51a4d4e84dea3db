/**
 * Text → sparse features, shared by training (npm run train) and inference so they can never drift.
 * Word uni/bigrams and a few cues (questions, exclamations,
 * negations, lexicon sentiment, shouting, links).
 */
import { lexiconSentiment } from './lexicon.ts';

export type SparseVector = Map<string, number>;

/** Relative weight of each feature group (chosen by cross-validation; character n-grams overfit here). */
export const GROUP_WEIGHTS = { words: 1, cues: 0.5, reproach: 16 };

const URL = /https?:\/\/\S+|www\.\S+/g;
const MENTION = /@\w+/g;
const HASHTAG = /#(\w+)/g;
const NUMBER = /\d+(?:[.,]\d+)*/g;
const TOKEN = /[a-z0-9_']+|[!?]+|[^\s\w]/gu;
// Markers of reproach (Singh et al.'s scale: disapproval → accusation → blame), counted, so a small
// training set generalizes beyond the exact n-grams it saw.
const REPROACH_MARKERS: [string, RegExp, number][] = [
  ['you', /\b(you|your|you're|youre|u|ur|yours|yall|y'all)\b/gi, 3],
  [
    'blame',
    /\b(your fault|because of you|thanks to you|you ruined|you people|shame on you|disgrace|blame|responsible|ruined|screwed|incompetent|pathetic|useless|joke|clowns?|liars?|thieves|scam)\b/gi,
    2,
  ],
  [
    'accuse',
    /\b(you (charged|lied|took|promised|said|sent|cancelled|canceled|lost|broke|refused|keep|kept|never|didn't|did not|don't|won't|stole|ignored|ignore)|charged me|lied|stole|robbed|ripped off|overcharged)\b/gi,
    2,
  ],
  [
    'disapprove',
    /\b(disappointed|disappointing|not happy|unhappy|poor|unacceptable|not good|bad|annoyed|frustrat\w*|terrible|awful|worst|ridiculous|sucks?)\b/gi,
    2,
  ],
  ['profane', /\b(fuck\w*|shit\w*|crap|damn|wtf|bloody|hell)\b/gi, 1],
];

const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  "don't",
  'dont',
  "can't",
  'cant',
  "won't",
  'wont',
  "isn't",
  "didn't",
  'didnt',
  "doesn't",
  'doesnt',
  'nobody',
  'nothing',
  "haven't",
  "hasn't",
  "wasn't",
  "aren't",
  "couldn't",
]);

export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(URL, ' httpurl ')
    .replace(MENTION, ' @user ')
    .replace(HASHTAG, ' $1 ')
    .replace(NUMBER, '0')
    .replace(/&amp;/g, '&');
}

export function tokenize(text: string): string[] {
  return normalizeText(text).match(TOKEN) ?? [];
}

function addL2Normalized(target: SparseVector, group: Map<string, number>, weight: number): void {
  let norm = 0;
  for (const v of group.values()) norm += v * v;
  if (norm === 0) return;
  const scale = weight / Math.sqrt(norm);
  for (const [k, v] of group) target.set(k, v * scale);
}

/**
 * `reproachMarkers` are used by the reproach (severity) head only: complaint detection was better
 * without them. At inference one map serves both heads (a head ignores features it never learned).
 */
export function extractFeatures(text: string, options: { reproachMarkers?: boolean } = {}): SparseVector {
  const { reproachMarkers = true } = options;
  const tokens = tokenize(text);
  const words = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) {
    words.set(`w:${tokens[i]}`, 1);
    if (i + 1 < tokens.length) words.set(`b:${tokens[i]} ${tokens[i + 1]}`, 1);
  }
  const cues = new Map<string, number>();
  const raw = text.trim();
  const { positive, negative } = lexiconSentiment(tokens);
  if (raw.includes('?')) cues.set('f:question', 1);
  if (raw.includes('!')) cues.set('f:exclaim', 1);
  if (tokens.some((t) => NEGATIONS.has(t))) cues.set('f:negation', 1);
  if (negative > 0) cues.set('f:lexneg', Math.min(3, negative) / 3);
  if (positive > 0) cues.set('f:lexpos', Math.min(3, positive) / 3);
  if (/\b[A-Z]{4,}\b/.test(raw)) cues.set('f:shout', 1);
  if (/https?:\/\//.test(raw)) cues.set('f:url', 1);
  if (/^@\w+/.test(raw)) cues.set('f:addressed', 1);
  for (const [name, pattern, cap] of reproachMarkers ? REPROACH_MARKERS : []) {
    const count = raw.match(pattern)?.length ?? 0;
    if (count > 0) cues.set(`f:${name}`, (Math.min(cap, count) / cap) * GROUP_WEIGHTS.reproach);
  }
  const letters = reproachMarkers ? raw.replace(/@\w+|https?:\S+/g, '').replace(/[^A-Za-z]/g, '') : '';
  if (letters.length > 0)
    cues.set('f:caps', (letters.replace(/[^A-Z]/g, '').length / letters.length) * GROUP_WEIGHTS.reproach);
  if (reproachMarkers) cues.set('f:length', (Math.min(280, raw.length) / 280) * GROUP_WEIGHTS.reproach);

  const features: SparseVector = new Map();
  addL2Normalized(features, words, GROUP_WEIGHTS.words);
  for (const [k, v] of cues) features.set(k, v * GROUP_WEIGHTS.cues);
  features.set('bias', 1);
  return features;
}
