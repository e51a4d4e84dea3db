/**
 * Text → sparse features, shared by training (npm run train) and inference so they can never drift.
 * Word uni/bigrams, a few cues (questions, exclamations, negations, lexicon sentiment, shouting,
 * links) and, for the reproach head, counted markers of reproach; plus their descriptions for reasons.
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
// Markers of reproach (Trosborg's scale, as annotated in the data: disapproval → accusation → blame) and of the strategies
// complainers use at each level (politeness and hints without reproach; intensifiers, sarcasm,
// condemnation and blaming the staff at the top), counted and capped, so a small training set
// generalizes beyond the exact n-grams it saw.
const REPROACH_MARKERS: { name: string; pattern: RegExp; cap: number; label: string }[] = [
  {
    name: 'you',
    cap: 3,
    label: 'addresses the brand as "you"',
    pattern: /\b(you|your|you're|youre|u|ur|yours|yall|y'all)\b/gi,
  },
  {
    name: 'blame',
    cap: 2,
    label: 'blaming words',
    pattern:
      /\b(your fault|because of you|thanks to you|you ruined|you people|shame on you|disgrace|blame|responsible|ruined|screwed|incompetent|pathetic|useless|joke|clowns?|liars?|thieves|scam)\b/gi,
  },
  {
    name: 'accuse',
    cap: 2,
    label: 'accuses the brand of an act',
    pattern:
      /\b(you (charged|lied|took|promised|said|sent|cancelled|canceled|lost|broke|refused|keep|kept|never|didn't|did not|don't|won't|stole|ignored|ignore)|charged me|lied|stole|robbed|ripped off|overcharged)\b/gi,
  },
  {
    name: 'disapprove',
    cap: 2,
    label: 'disapproval',
    pattern:
      /\b(disappointed|disappointing|not happy|unhappy|poor|unacceptable|not good|bad|annoyed|frustrat\w*|terrible|awful|worst|ridiculous|sucks?)\b/gi,
  },
  {
    name: 'profane',
    cap: 1,
    label: 'profanity',
    pattern: /\b(fuck\w*|shit\w*|crap|damn|wtf|bloody|hell)\b/gi,
  },
  {
    name: 'polite',
    cap: 2,
    label: 'polite request',
    pattern:
      /\b(please|pls|plz|hi|hello|hey there|thanks in advance|could you|can you help|kindly|help me|assist)\b/gi,
  },
  {
    name: 'hint',
    cap: 1,
    label: 'states a problem',
    pattern: /\b(just wondering|any update|is there|wondering|issue|problem|query|question)\b/gi,
  },
  {
    name: 'broken',
    cap: 1,
    label: 'reports a fault',
    pattern: /\b(broken|not working|doesn't work|stopped|error|fault\w*|crash\w*|down)\b/gi,
  },
  {
    name: 'intensifier',
    cap: 2,
    label: 'intensifiers',
    pattern: /\b(so|very|extremely|absolutely|really|totally|completely|at all)\b/gi,
  },
  {
    name: 'sarcasm',
    cap: 1,
    label: 'sarcastic thanks',
    pattern:
      /\b(thanks|thank you|great job|well done|love how|nice one|good job|awesome|brilliant|cheers)\b/gi,
  },
  { name: 'doubled', cap: 1, label: 'doubled ! or ?', pattern: /!!|\?\?|\?!|!\?/g },
  {
    name: 'rhetorical',
    cap: 1,
    label: 'rhetorical question',
    pattern: /\b(why|how come|what'?s the point|seriously)\b/gi,
  },
  { name: 'hashtag', cap: 2, label: 'hashtags', pattern: /#\w+/g },
  {
    name: 'ignored',
    cap: 1,
    label: 'says nobody answered',
    pattern:
      /\b(no reply|no response|no answer|ignor\w*|nobody|no one|hung up|on hold|no help|not helpful|unhelpful)\b/gi,
  },
  {
    name: 'fed up',
    cap: 1,
    label: 'fed up',
    pattern: /\b(fed up|sick of|tired of|had enough|enough is enough|ugh|smh|wtf|seriously|come on)\b/gi,
  },
  {
    name: 'leaving',
    cap: 1,
    label: 'threatens to leave',
    pattern:
      /\b(never again|switch(ing|ed)? to|cancel(l?ing)? my|leaving|last time|lost a customer|goodbye)\b/gi,
  },
  {
    name: 'consequence',
    cap: 1,
    label: 'names a consequence',
    pattern: /\b(ruined|because of you|made me|cost me|missed my|late for|wasted|waste of)\b/gi,
  },
  {
    name: 'condemn',
    cap: 1,
    label: 'condemnation',
    pattern:
      /\b(disgrac\w*|disgust\w*|appall\w*|shock\w*|unprofessional|joke|pathetic|ridiculous|absurd|outrageous|scandal\w*|embarrass\w*)\b/gi,
  },
  {
    name: 'staff',
    cap: 2,
    label: 'blames staff or service',
    pattern:
      /\b(they|them|their|staff|employees?|driver|agent|rep|manager|customer service|cust serv|service)\b/gi,
  },
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
  for (const { name, pattern, cap } of reproachMarkers ? REPROACH_MARKERS : []) {
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

const CUE_LABELS = new Map<string, string>([
  ['f:question', 'asks a question'],
  ['f:exclaim', 'exclamation'],
  ['f:negation', 'negation'],
  ['f:lexneg', 'negative wording'],
  ['f:lexpos', 'positive wording'],
  ['f:shout', 'shouting (capitals)'],
  ['f:url', 'contains a link'],
  ['f:addressed', 'addressed to the brand'],
  ['f:caps', 'share of capitals'],
  ['f:length', 'message length'],
  ...REPROACH_MARKERS.map(({ name, label }): [string, string] => [`f:${name}`, label]),
]);

/** A feature in words an agent understands, for the reasons behind a decision. */
export function describeFeature(feature: string): string {
  const [kind, value] = [feature.slice(0, 2), feature.slice(2)];
  // A mention is normalized to "@user", which tokenizes as "@" and "user".
  const words = value
    .split(' ')
    .map((token) => (token === 'user' ? '@mention' : token))
    .filter((token, i, all) => !(token === '@' && all[i + 1] === '@mention'));
  if (kind === 'w:') return `word "${words.join(' ')}"`;
  if (kind === 'b:') return words.length > 1 ? `phrase "${words.join(' ')}"` : `word "${words[0]}"`;
  return CUE_LABELS.get(feature) ?? feature;
}
