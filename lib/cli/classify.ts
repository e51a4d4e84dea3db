import { createInterface } from 'node:readline';
import * as z from 'zod';
import { sentenceEncoder } from '#adapters/sentence-encoder/encoder.ts';
import { Author, Channel } from '#core/model/interaction.ts';
import type { SentenceEncoder } from '#core/ports.ts';
import { classifyTriage } from '#core/triage/shipped.ts';

const Line = z.object({
  text: z.string(),
  author: Author.partial().optional(),
  channel: Channel.optional(),
  platform: z.string().optional(),
  vipAuthors: z.array(z.string()).optional(),
  /** false for a message overheard by listening rather than sent to the brand. */
  addressed: z.boolean().optional(),
});

/**
 * One JSON line in → one JSON line out, in order; a bad line gets an error line, never a crash.
 * Classified as the processor does: with the sentence encoder.
 */
export async function classifyLine(line: string, encoder: SentenceEncoder): Promise<string> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return JSON.stringify({ error: 'line is not valid JSON' });
  }
  const parsed = Line.safeParse(value);
  if (!parsed.success)
    return JSON.stringify({
      error: 'expected {"text": "...", ...optional author, channel}',
      details: z.flattenError(parsed.error).fieldErrors,
    });
  const [embedding] = await encoder.embed([parsed.data.text]);
  const { kind, complaintProbability, sentiment, severity, reproach, reasons } = classifyTriage({
    ...parsed.data,
    embedding,
  });
  return JSON.stringify({ kind, complaintProbability, sentiment, severity, reproach, reasons });
}

export async function classifyStdin(): Promise<void> {
  const encoder = await sentenceEncoder();
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    process.stdout.write(`${await classifyLine(line, encoder)}\n`);
  }
}
