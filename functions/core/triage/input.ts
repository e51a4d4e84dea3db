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
}
