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

/** The kind of a message: the calibrated complaint probability decides; cues tell the rest apart. */
export function kindOf(
  text: string,
  complaintProbability: number,
  lexicon: { score: number; positive: number },
): Kind {
  if (SPAM.some((s) => text.toLowerCase().includes(s)) && complaintProbability < 0.8) return 'spam';
  if (complaintProbability >= 0.5) return 'complaint';
  if (text.includes('?') || QUESTION_START.test(text.trim())) return 'question';
  return lexicon.positive > 0 && lexicon.score > 0 ? 'praise' : 'other';
}
