import type { Author, Channel } from '../model/interaction.ts';

/** What triage reads of a message (its own module, so the classifier and the severity rules share it without a cycle). */
export interface TriageInput {
  text: string;
  author?: Partial<Author>;
  channel?: Channel;
  /** Authors who always get attention: `<platform>:<id>` or `@handle`, from configuration. */
  vipAuthors?: readonly string[];
  platform?: string;
}
