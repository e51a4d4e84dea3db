import type { Kind, Severity, Triage } from '../model/complaint.ts';
import type { Author, Channel } from '../model/interaction.ts';
import { describeFeature, extractFeatures, tokenize } from './features.ts';
import { lexiconSentiment } from './lexicon.ts';
import shipped from './model.json' with { type: 'json' };
import type { LinearHead, ShippedModel } from './model-types.ts';

/** A head as Maps: built once per cold start; lookups of words like "__proto__" stay plain misses. */
interface Head {
  weights: Map<string, number[]>;
  wordScores: Map<string, number[]>;
}
const toHead = (head: LinearHead): Head => ({
  weights: new Map(Object.entries(head.weights)),
  wordScores: new Map(Object.entries(head.wordScores)),
});
const MODEL = shipped as ShippedModel;
const COMPLAINT = toHead(MODEL.complaint);
const REPROACH_HEAD = toHead(MODEL.reproach);

export interface TriageInput {
  text: string;
  author?: Partial<Author>;
  channel?: Channel;
  /** Authors who always get attention: `<platform>:<id>` or `@handle`, from configuration. */
  vipAuthors?: readonly string[];
  platform?: string;
}

const SPAM = [
  'giveaway',
  'follow back',
  'crypto',
  'promo code',
  'click here',
  'free followers',
  'dm for promo',
  'earn money',
  'check my profile',
];
const QUESTION_START =
  /^(?:@\w+\s+)*(how|what|when|where|why|who|which|can|could|does|do|is|are|will|would|should|any)\b/i;

/** Risk words raise severity whatever the model says: each group names why. */
const RISKS: { reason: string; severity: Severity; pattern: RegExp }[] = [
  {
    reason: 'legal threat',
    severity: 'critical',
    pattern: /\b(lawyers?|lawsuit|sue|suing|legal action|court|attorney|solicitor)\b/i,
  },
  {
    reason: 'safety',
    severity: 'critical',
    pattern:
      /\b(unsafe|injur(y|ed|ies)|fire|poison(ed|ing)?|hospital|dangerous|explod(ed|ing)|food poisoning)\b/i,
  },
  {
    reason: 'fraud',
    severity: 'critical',
    pattern: /\b(fraud|stolen|scamm?ed|unauthori[sz]ed (charge|transaction)s?|identity theft)\b/i,
  },
  {
    reason: 'data leak',
    severity: 'critical',
    pattern: /\b(data (leak|breach)|leaked|hacked|my (personal )?data)\b/i,
  },
  {
    reason: 'outage',
    severity: 'high',
    pattern:
      /\b(outage|is down|are down|not loading|offline|crash(es|ed|ing)?|can'?t (log ?in|sign ?in|access))\b/i,
  },
  {
    reason: 'cancellation',
    severity: 'high',
    pattern:
      /\b(cancel(l?ing)? my|switching to|close my account|never (buying|using|flying|ordering)|leaving you)\b/i,
  },
];
const REPROACH = ['no explicit reproach', 'disapproval', 'accusation', 'blame'] as const;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Class logits of a linear head: sparse features, plus the mean of the words' embedding scores. */
function logits(
  head: Head,
  features: Map<string, number>,
  tokens: readonly string[],
  classes: number,
): number[] {
  const z = new Array<number>(classes).fill(0);
  for (const [feature, value] of features) {
    const row = head.weights.get(feature);
    if (row) for (let c = 0; c < classes; c++) z[c]! += row[c]! * value;
  }
  let found = 0;
  const sum = new Array<number>(classes).fill(0);
  for (const token of tokens) {
    const scores = head.wordScores.get(token);
    if (!scores) continue;
    found++;
    for (let c = 0; c < classes; c++) sum[c]! += scores[c]!;
  }
  if (found > 0) for (let c = 0; c < classes; c++) z[c]! += sum[c]! / found;
  return z;
}

/** The features that pushed a head hardest towards `target` (against the other classes), so an agent can see why. */
function topReasons(head: Head, features: Map<string, number>, target: number, count: number): string[] {
  const scored: [string, number][] = [];
  for (const [feature, value] of features) {
    const row = head.weights.get(feature);
    if (!row || feature === 'bias') continue;
    const others = (row.reduce((sum, w) => sum + w, 0) - row[target]!) / (row.length - 1);
    const push = (row[target]! - others) * value;
    if (push > 0) scored.push([feature, push]);
  }
  return scored
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([f]) => describeFeature(f));
}

function isVip(input: TriageInput): boolean {
  const list = input.vipAuthors ?? [];
  const { id, handle } = input.author ?? {};
  return (
    (id !== undefined && list.includes(`${input.platform ?? ''}:${id}`)) ||
    (handle !== undefined && list.includes(`@${handle.toLowerCase()}`))
  );
}

const LEVELS: Severity[] = ['low', 'medium', 'high', 'critical'];

/**
 * Severity rises with the strength of reproach, with reach (public channel, followers, verified, VIP)
 * and with risk words; critical needs a risk word or a far-reaching author.
 */
export function severityFor(kind: Kind, reproach: number, input: TriageInput, reasons: string[]): Severity {
  if (kind !== 'complaint' && kind !== 'question') return 'low';
  let points = kind === 'complaint' ? reproach : 0;
  if ((input.channel ?? 'public') === 'public') points += 1;
  const followers = input.author?.followers ?? 0;
  let reach = 0;
  if (input.author?.verified || followers >= 10_000) reach = 1;
  if (followers >= 100_000) reach = 2;
  if (isVip(input)) {
    reach = 2;
    reasons.push('reach: VIP author');
  } else if (reach > 0)
    reasons.push(
      `reach: ${input.author?.verified ? 'verified author' : `${followers.toLocaleString('en-US')} followers`}`,
    );
  points += reach;
  let severity =
    LEVELS[Math.min(points >= 4 && reach === 0 ? 2 : points >= 4 ? 3 : points >= 2 ? 2 : points, 3)]!;
  for (const risk of RISKS) {
    if (!risk.pattern.test(input.text)) continue;
    reasons.push(`risk: ${risk.reason}`);
    if (LEVELS.indexOf(risk.severity) > LEVELS.indexOf(severity)) severity = risk.severity;
  }
  return severity;
}

/** Classifies one message: kind, calibrated complaint probability, sentiment, severity and reasons. */
export function classifyTriage(input: TriageInput): Triage & { reproach: string } {
  const features = extractFeatures(input.text);
  const tokens = tokenize(input.text);
  const [n, c] = logits(COMPLAINT, features, tokens, 2) as [number, number];
  const complaintProbability = sigmoid(MODEL.complaint.platt.a * (c - n) + MODEL.complaint.platt.b);
  const lower = input.text.toLowerCase();
  const { score: lexicon, positive } = lexiconSentiment(tokens);
  const isQuestion = input.text.includes('?') || QUESTION_START.test(input.text.trim());

  let kind: Kind;
  if (SPAM.some((s) => lower.includes(s)) && complaintProbability < 0.8) kind = 'spam';
  else if (complaintProbability >= 0.5) kind = 'complaint';
  else if (isQuestion) kind = 'question';
  else if (positive > 0 && lexicon > 0) kind = 'praise';
  else kind = 'other';

  const isComplaint = kind === 'complaint';
  const reasons = topReasons(COMPLAINT, features, isComplaint ? 1 : 0, 3).map(
    (r) => `${isComplaint ? 'complaint cue' : 'not-complaint cue'}: ${r}`,
  );
  const reproachLogits = logits(REPROACH_HEAD, features, tokens, 4);
  const reproach = reproachLogits.indexOf(Math.max(...reproachLogits));
  if (isComplaint)
    reasons.push(
      `reproach: ${REPROACH[reproach]}`,
      ...topReasons(REPROACH_HEAD, features, reproach, 2).map((r) => `reproach cue: ${r}`),
    );
  const severity = severityFor(kind, reproach, input, reasons);
  const sentiment = Math.max(-1, Math.min(1, 0.6 * lexicon + 0.8 * (0.5 - complaintProbability)));
  return {
    kind,
    complaintProbability: Number(complaintProbability.toFixed(3)),
    sentiment: Number(sentiment.toFixed(3)),
    severity,
    reproach: REPROACH[reproach]!,
    reasons,
  };
}
