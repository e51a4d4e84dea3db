import { SEVERITY_ORDER, type Severity, type Triage } from '../model/complaint.ts';
import type { Author, Channel } from '../model/interaction.ts';

// A transparent first classifier: lexicon cues with reasons an agent can read.
// Issue #4 replaces the kind/probability estimate with a trained model; the output shape stays.
const NEGATIVE = [
  'terrible',
  'worst',
  'awful',
  'horrible',
  'broken',
  'not working',
  "doesn't work",
  'does not work',
  "didn't",
  'never',
  'still waiting',
  'waiting',
  'refund',
  'disappointed',
  'unacceptable',
  'rude',
  'delayed',
  'late',
  'cancelled',
  'canceled',
  'lost',
  'charged',
  'overcharged',
  'useless',
  'ridiculous',
  'fail',
  'failed',
  'error',
  'wrong',
  'missing',
  'no one',
  'nobody',
  'ignored',
  'angry',
  'fix',
  'bad',
  'poor',
  'hate',
  'scam',
  'stuck',
  'down',
  'crash',
  'again',
];
const POSITIVE = [
  'thank',
  'thanks',
  'love',
  'great',
  'awesome',
  'amazing',
  'excellent',
  'perfect',
  'best',
  'helpful',
  'appreciate',
  'happy',
];
const QUESTION_START =
  /^(?:@\w+\s+)*(how|what|when|where|why|who|which|can|could|does|do|is|are|will|would|should)\b/i;
const SPAM = [
  'giveaway',
  'follow back',
  'crypto',
  'promo code',
  'click here',
  'free followers',
  'dm for promo',
  'earn money',
];

/** Risk words raise severity whatever the tone: each group names why. */
const RISKS: { reason: string; severity: Severity; words: string[] }[] = [
  {
    reason: 'legal threat',
    severity: 'critical',
    words: ['lawyer', 'lawsuit', 'sue ', 'suing', 'legal action', 'court', 'attorney'],
  },
  {
    reason: 'safety',
    severity: 'critical',
    words: ['unsafe', 'injury', 'injured', 'fire', 'poison', 'hospital', 'dangerous'],
  },
  {
    reason: 'fraud',
    severity: 'critical',
    words: ['fraud', 'stolen', 'scammed', 'unauthorized charge', 'unauthorised charge'],
  },
  {
    reason: 'data leak',
    severity: 'critical',
    words: ['data leak', 'data breach', 'leaked', 'hacked', 'my data'],
  },
  { reason: 'outage', severity: 'high', words: ['outage', 'is down', 'not loading', 'offline', 'crash'] },
  {
    reason: 'cancellation',
    severity: 'high',
    words: ['cancel my', 'cancelling', 'canceling', 'switching to', 'close my account'],
  },
];

export interface TriageInput {
  text: string;
  author?: Partial<Author>;
  channel?: Channel;
}

function hits(text: string, words: readonly string[]): string[] {
  return words.filter((w) => text.includes(w));
}

function raise(severity: Severity, to: Severity): Severity {
  return SEVERITY_ORDER.indexOf(to) > SEVERITY_ORDER.indexOf(severity) ? to : severity;
}

export function classifyByRules(input: TriageInput): Triage {
  const text = ` ${input.text.toLowerCase().replace(/\s+/g, ' ')} `;
  const negative = hits(text, NEGATIVE);
  const positive = hits(text, POSITIVE);
  const spam = hits(text, SPAM);
  const risks = RISKS.filter((r) => hits(text, r.words).length > 0);
  const question = input.text.includes('?') || QUESTION_START.test(input.text.trim());
  const reasons: string[] = [];

  const sentiment = Math.max(
    -1,
    Math.min(
      1,
      (positive.length - negative.length - risks.length) /
        (positive.length + negative.length + risks.length + 1),
    ),
  );
  const complaintScore = negative.length + 2 * risks.length - positive.length;
  const complaintProbability = Number((1 / (1 + Math.exp(-(complaintScore - 0.5) * 1.5))).toFixed(3));

  let kind: Triage['kind'];
  if (spam.length > 0 && risks.length === 0) kind = 'spam';
  else if (complaintScore > 0) kind = 'complaint';
  else if (question) kind = 'question';
  else if (positive.length > 0) kind = 'praise';
  else kind = 'other';

  if (negative.length) reasons.push(`negative cues: ${negative.slice(0, 5).join(', ')}`);
  if (positive.length) reasons.push(`positive cues: ${positive.slice(0, 5).join(', ')}`);
  if (spam.length) reasons.push(`spam cues: ${spam.join(', ')}`);
  if (question) reasons.push('asks a question');

  let severity: Severity = kind === 'complaint' ? 'high' : kind === 'question' ? 'medium' : 'low';
  for (const risk of risks) {
    reasons.push(`risk: ${risk.reason}`);
    severity = raise(severity, risk.severity);
  }
  const author = input.author ?? {};
  if (kind === 'complaint' && (author.verified || (author.followers ?? 0) >= 100_000)) {
    reasons.push('reach: verified or 100k+ followers');
    severity = raise(severity, 'critical');
  }
  return { kind, complaintProbability, sentiment: Number(sentiment.toFixed(3)), severity, reasons };
}
