import type { Kind } from '../model/complaint.ts';

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

/** How the kind is decided beyond the text: the operating point, and whether the brand was addressed. */
export interface KindRule {
  /** A complaint from this calibrated probability on (the model's recall-first operating point, or the stage's). */
  threshold: number;
  /**
   * The message was sent to the brand (a mention, reply, DM, comment on its page, review of it). A
   * question starts a clock only then: a question someone asks their own followers is not for the brand.
   */
  addressed: boolean;
}

/** The kind of a message: the calibrated complaint probability decides; cues tell the rest apart. */
export function kindOf(
  text: string,
  complaintProbability: number,
  lexicon: { score: number; positive: number },
  rule: KindRule,
): Kind {
  if (SPAM.some((s) => text.toLowerCase().includes(s)) && complaintProbability < 0.8) return 'spam';
  if (complaintProbability >= rule.threshold) return 'complaint';
  if (rule.addressed && (text.includes('?') || QUESTION_START.test(text.trim()))) return 'question';
  return lexicon.positive > 0 && lexicon.score > 0 ? 'praise' : 'other';
}
