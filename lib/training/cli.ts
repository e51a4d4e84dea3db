import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LabelledTweet, loadDataset } from './dataset.ts';
import { loadEmbeddings } from './embeddings.ts';
import { sentenceEmbeddings } from './sentence-embeddings.ts';
import {
  type Example,
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
export async function train(
  file = process.env['HEED_TRAINING_DATA'] ?? DEFAULT_DATASET,
  options: { withCorrections?: string } = {},
): Promise<void> {
  const started = Date.now();
  const dev = loadDataset(file);
  const corrections = options.withCorrections ? loadCorrections(options.withCorrections, dev) : [];
  const text =
    readFileSync(file, 'utf8') +
    (options.withCorrections ? readFileSync(options.withCorrections, 'utf8') : '');
  const examples = await examplesOf([...dev, ...corrections]);
  if (corrections.length > 0) reportCorrections(examples, new Set(corrections), options.withCorrections!);
  const model = trainShippedModel(
    examples,
    loadEmbeddings(TRAINING_CONFIG.topWords, TRAINING_CONFIG.frequentWordDamping),
    text,
  );
  const json = JSON.stringify(model);
  writeFileSync(MODEL_PATH, `${json}\n`);
  console.log(
    `trained on ${model.trainedOn.rows} rows${corrections.length ? ` (${corrections.length} of them agents' corrections)` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(ROOT, MODEL_PATH)} (${(json.length / 1e6).toFixed(2)} MB); chosen ${JSON.stringify(model.chosen)}, clock threshold ${model.complaintThreshold}`,
  );
}

/**
 * Agents' corrections (`heed export-labels`, the dev file's columns): the latest row per message wins,
 * and a message that is also in the dev file keeps the agent's label (it is the newer judgement).
 */
export function loadCorrections(file: string, dev: LabelledTweet[]): LabelledTweet[] {
  const latest = new Map(loadDataset(file).map((row) => [row.id, row]));
  const overridden = new Set(latest.keys());
  for (let i = dev.length - 1; i >= 0; i--) if (overridden.has(dev[i]!.id)) dev.splice(i, 1);
  return [...latest.values()];
}

/**
 * Before/after on the same rows, one fold seed of the nested protocol: before, the corrections are
 * never trained on (only scored); after, each outer training set includes its share of them.
 */
function reportCorrections(examples: Example[], corrections: Set<LabelledTweet>, file: string) {
  const isCorrection = (e: Example) => corrections.has(e.tweet);
  const seeds = [TRAINING_CONFIG.foldSeeds[0]];
  const run = (trainable: (e: Example) => boolean, scored: (e: Example) => boolean) =>
    nestedEvaluation(examples, seeds, () => {}, { trainable, scored }).seeds[0]!;
  const before = {
    corrections: run((e) => !isCorrection(e), isCorrection),
    dev: run(
      (e) => !isCorrection(e),
      (e) => !isCorrection(e),
    ),
  };
  const after = {
    corrections: run(() => true, isCorrection),
    dev: run(
      () => true,
      (e) => !isCorrection(e),
    ),
  };
  const complaints = [...corrections].filter((c) => c.complaint === 1).length;
  console.log(
    `Agents' corrections from ${path.basename(file)}: ${corrections.size} messages (${complaints} complaints), nested cross-validation, fold seed ${seeds[0]}`,
  );
  console.log(`  ${''.padEnd(58)} before   after`);
  const line = (name: string, a: number, b: number) =>
    console.log(`  ${name.padEnd(58)} ${pct(a).padStart(6)}  ${pct(b).padStart(6)}`);
  line(
    'corrections: complaint or not as the agent said',
    before.corrections.complaint.all.accuracy,
    after.corrections.complaint.all.accuracy,
  );
  line(
    'corrections: complaint macro-F1',
    before.corrections.complaint.all.macroF1,
    after.corrections.complaint.all.macroF1,
  );
  line(
    'dev file: complaint macro-F1, brand-directed',
    before.dev.complaint.brandDirected.macroF1,
    after.dev.complaint.brandDirected.macroF1,
  );
  line(
    'dev file: unaddressed tweets that start a clock',
    before.dev.unaddressedClockShare,
    after.dev.unaddressedClockShare,
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
/** `heed eval --listening`: pages on Heed's own labelled listening samples (seconds, not minutes). */
export async function evaluateListeningSamples(): Promise<void> {
  const { evaluateListening, LISTENING_SAMPLES } = await import('./listening-eval.ts');
  const r = await evaluateListening();
  console.log(
    `Listening samples (${path.relative(process.cwd(), LISTENING_SAMPLES)}, ${r.n} messages, ${r.shouldPage} should page; never trained on)`,
  );
  console.log(`  "pages someone": precision ${pct(r.precision)}, recall ${pct(r.recall)} (${r.paged} paged)`);
  console.log(
    `  complaints the relevance check kept from paging (they name none of the brand's terms): ${r.stoppedByRelevance}; without it, precision would be ${pct((r.precision * r.paged) / (r.paged + r.stoppedByRelevance))}`,
  );
  for (const m of r.mistakes) console.log(`  ${m.shouldPage ? 'missed' : 'paged '} (${m.kind}): ${m.text}`);
}

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
