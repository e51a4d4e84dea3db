import type { Severity } from '../model/complaint.ts';
import type { Author, Channel } from '../model/interaction.ts';

/** What triage reads of a message (its own module, so the classifier and the severity rules share it without a cycle). */
export interface TriageInput {
  text: string;
  author?: Partial<Author>;
  channel?: Channel;
  /** Authors who always get attention: `<platform>:<id>` or `@handle`, from configuration. */
  vipAuthors?: readonly string[];
  platform?: string;
  /** Sent to the brand (default) rather than overheard by listening: see KindRule.addressed. */
  addressed?: boolean;
  /** The message's sentence embedding (SentenceEncoder); without it, the n-gram part decides alone. */
  embedding?: Float32Array;
  /** "Starts a clock" from this complaint probability on; default: the model's operating point. */
  complaintThreshold?: number;
  /** Listening: the brand's names and keywords; a message that mentions none is not for the brand. */
  about?: readonly string[];
  /** A review's stars (1–5): 1–2 stars is a complaint whatever the words. */
  rating?: number;
  /** The least severity a complaint from this source gets (a feed's default severity). */
  minimumSeverity?: Severity;
}
