import { readFileSync } from 'node:fs';
import path from 'node:path';
import { classifyTriage } from '#core/triage/shipped.ts';
import { PROJECT_ROOT } from '../constructs/node-function.ts';
import { parseCsv } from './dataset.ts';
import { sentenceEmbeddings } from './sentence-embeddings.ts';

/**
 * Heed's own labelled listening samples (lib/training/listening-samples.csv): messages overheard about
 * two sample brands — complaints about them, complaints about something else, news, praise, questions
 * to followers, other meanings of the brand's words — each labelled "should page" or not. Written for
 * this evaluation and never trained or tuned on: the shipped model is scored as it is.
 */
export const LISTENING_SAMPLES = path.join(PROJECT_ROOT, 'lib/training/listening-samples.csv');

export interface ListeningReport {
  n: number;
  shouldPage: number;
  paged: number;
  precision: number;
  recall: number;
  /** Pages the relevance check stopped (a complaint that names none of the brand's terms). */
  stoppedByRelevance: number;
  mistakes: { text: string; shouldPage: boolean; kind: string }[];
}

/** Precision and recall of "pages someone" (starts a clock) on the listening samples, with relevance. */
export async function evaluateListening(file = LISTENING_SAMPLES): Promise<ListeningReport> {
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  const col = (name: string) => header!.indexOf(name);
  const samples = rows.map((r) => ({
    text: r[col('text')]!,
    about: r[col('about')]!.split('|'),
    shouldPage: r[col('should_page')] === '1',
  }));
  const embeddings = await sentenceEmbeddings(samples.map((s) => s.text));
  let truePositives = 0;
  let paged = 0;
  let stoppedByRelevance = 0;
  const mistakes: ListeningReport['mistakes'] = [];
  samples.forEach((s, i) => {
    const input = { text: s.text, addressed: false, embedding: embeddings[i] };
    const triage = classifyTriage({ ...input, about: s.about });
    const pages = triage.kind === 'complaint';
    if (!pages && classifyTriage(input).kind === 'complaint') stoppedByRelevance++;
    if (pages) paged++;
    if (pages && s.shouldPage) truePositives++;
    if (pages !== s.shouldPage) mistakes.push({ text: s.text, shouldPage: s.shouldPage, kind: triage.kind });
  });
  const shouldPage = samples.filter((s) => s.shouldPage).length;
  return {
    n: samples.length,
    shouldPage,
    paged,
    precision: paged ? truePositives / paged : 1,
    recall: shouldPage ? truePositives / shouldPage : 1,
    stoppedByRelevance,
    mistakes,
  };
}
