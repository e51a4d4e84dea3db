import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LabelledTweet, loadDataset } from './dataset.ts';
import { loadEmbeddings } from './embeddings.ts';
import { sentenceEmbeddings } from './sentence-embeddings.ts';
import {
  type NestedReport,
  nestedEvaluation,
  prepareExamples,
  TRAINING_CONFIG,
  trainShippedModel,
} from './triage-training.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_DATASET = path.resolve(ROOT, '../shared/data/complaints-dev.csv');
export const MODEL_PATH = path.join(ROOT, 'functions/core/triage/model.json');

const pct = (x: number) => (100 * x).toFixed(1);

async function examplesOf(data: LabelledTweet[]) {
  const sentences = await sentenceEmbeddings(data.map((d) => d.text));
  return prepareExamples(
    data,
    loadEmbeddings(TRAINING_CONFIG.topWords, TRAINING_CONFIG.frequentWordDamping),
    sentences,
  );
}

/** `npm run train`: rebuilds functions/core/triage/model.json from the labelled file, reproducibly. */
export async function train(file = process.env['HEED_TRAINING_DATA'] ?? DEFAULT_DATASET): Promise<void> {
  const started = Date.now();
  const text = readFileSync(file, 'utf8');
  const examples = await examplesOf(loadDataset(file));
  const model = trainShippedModel(
    examples,
    loadEmbeddings(TRAINING_CONFIG.topWords, TRAINING_CONFIG.frequentWordDamping),
    text,
  );
  const json = JSON.stringify(model);
  writeFileSync(MODEL_PATH, `${json}\n`);
  console.log(
    `trained on ${model.trainedOn.rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(ROOT, MODEL_PATH)} (${(json.length / 1e6).toFixed(2)} MB); chosen ${JSON.stringify(model.chosen)}, clock threshold ${model.complaintThreshold}`,
  );
}

/** Mean, standard deviation and range over the fold seeds, in percent. */
function spread(values: number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return `${pct(mean).padStart(5)} ± ${pct(sd)} (${pct(Math.min(...values))}–${pct(Math.max(...values))})`;
}

export function printReport(
  report: NestedReport,
  file: string,
): { mean: (f: (s: NestedReport['seeds'][number]) => number) => number } {
  const { seeds, n } = report;
  const column = (f: (s: NestedReport['seeds'][number]) => number) => spread(seeds.map(f));
  const mean = (f: (s: NestedReport['seeds'][number]) => number) =>
    seeds.reduce((a, s) => a + f(s), 0) / seeds.length;
  console.log(
    `Triage on ${path.basename(file)}, nested cross-validation: ${TRAINING_CONFIG.outerFolds} outer folds score, ${TRAINING_CONFIG.innerFolds} inner folds inside each outer training set choose (L2 of both heads, the stack and calibration, the clock threshold, the reproach mix); ${seeds.length} fold seeds (${seeds.map((s) => s.seed).join(', ')}). Mean ± sd (range) over seeds, never tuned on:`,
  );
  const rows: [string, string][] = [
    [`complaint macro-F1, whole file (n=${n.all})`, column((s) => s.complaint.all.macroF1)],
    [
      `complaint macro-F1, brand-directed (n=${n.brandDirected})`,
      column((s) => s.complaint.brandDirected.macroF1),
    ],
    ['starts a clock: recall of complaints (addressed)', column((s) => s.clock.recall)],
    ['starts a clock: precision (addressed)', column((s) => s.clock.precision)],
    [
      `unaddressed everyday tweets that start a clock (n=${n.unaddressed})`,
      column((s) => s.unaddressedClockShare),
    ],
    [`severity macro-F1, reproach level 1–4 (n=${n.complaints})`, column((s) => s.severityMacroF1)],
    ['calibration error (ECE), brand-directed', column((s) => s.ece.brandDirected)],
    ['calibration error (ECE), whole file', column((s) => s.ece.all)],
  ];
  for (const [name, value] of rows) console.log(`  ${name.padEnd(66)} ${value}`);
  const thresholds = seeds.flatMap((s) => s.thresholds);
  console.log(
    `  clock thresholds chosen (recall ≥ ${pct(TRAINING_CONFIG.recallTarget)}% of addressed complaints in the inner folds): ${Math.min(...thresholds).toFixed(2)}–${Math.max(...thresholds).toFixed(2)}`,
  );
  return { mean };
}

/** `npm run eval`: the nested, untuned figures, and whether they meet the targets (README § Triage). */
export async function evaluate(file = process.env['HEED_TRAINING_DATA'] ?? DEFAULT_DATASET): Promise<void> {
  const started = Date.now();
  const examples = await examplesOf(loadDataset(file));
  const report = nestedEvaluation(examples, TRAINING_CONFIG.foldSeeds, (m) =>
    process.stderr.write(`\r${m} (${Math.round((Date.now() - started) / 1000)} s)   `),
  );
  process.stderr.write('\n');
  const { mean } = printReport(report, file);
  const verdict = (name: string, value: number, target: number, atMost = false) => {
    const met = atMost ? value <= target : value >= target;
    console.log(
      `  ${name.padEnd(48)} ${pct(value)} ${atMost ? (met ? '≤' : '>') : met ? '≥' : '<'} ${pct(target)}: ${met ? 'met' : 'NOT met'}`,
    );
  };
  console.log('Targets (means over the fold seeds):');
  verdict(
    'complaint macro-F1, whole file',
    mean((s) => s.complaint.all.macroF1),
    0.86,
  );
  verdict(
    'complaint macro-F1, brand-directed',
    mean((s) => s.complaint.brandDirected.macroF1),
    0.82,
  );
  verdict(
    'unaddressed tweets that start a clock',
    mean((s) => s.unaddressedClockShare),
    0.05,
    true,
  );
  verdict(
    'severity macro-F1 (aim)',
    mean((s) => s.severityMacroF1),
    0.5,
  );
  console.log(`(${Math.round((Date.now() - started) / 1000)} s; the classifier's cost is in npm run bench)`);
}
