import { createInterface } from 'node:readline';
import * as z from 'zod';
import { Author, Channel } from '#core/model/interaction.ts';
import { classifyTriage } from '#core/triage/classifier.ts';

const Line = z.object({
  text: z.string(),
  author: Author.partial().optional(),
  channel: Channel.optional(),
  platform: z.string().optional(),
  vipAuthors: z.array(z.string()).optional(),
});

/** One JSON line in → one JSON line out, in order; a bad line gets an error line, never a crash. */
export function classifyLine(line: string): string {
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
  const { kind, complaintProbability, sentiment, severity, reproach, reasons } = classifyTriage(parsed.data);
  return JSON.stringify({ kind, complaintProbability, sentiment, severity, reproach, reasons });
}

export async function classifyStdin(): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    process.stdout.write(`${classifyLine(line)}\n`);
  }
}
