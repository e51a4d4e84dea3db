import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyTriage } from '#core/triage/classifier.ts';
import { loadDataset } from './dataset.ts';
import { loadEmbeddings } from './embeddings.ts';
import { crossValidate, TRAINING_CONFIG, trainShippedModel } from './triage-training.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_DATASET = path.resolve(ROOT, '../shared/data/complaints-dev.csv');
export const MODEL_PATH = path.join(ROOT, 'functions/core/triage/model.json');

const pct = (x: number) => (100 * x).toFixed(1);

/** `npm run train`: rebuilds functions/core/triage/model.json from the labelled file, reproducibly. */
export function train(file = process.env['HEED_TRAINING_DATA'] ?? DEFAULT_DATASET): void {
  const started = Date.now();
  const text = readFileSync(file, 'utf8');
  const model = trainShippedModel(
    loadDataset(file),
    loadEmbeddings(TRAINING_CONFIG.topWords, TRAINING_CONFIG.frequentWordDamping),
    text,
  );
  const json = JSON.stringify(model);
  writeFileSync(MODEL_PATH, `${json}\n`);
  console.log(
    `trained on ${model.trainedOn.rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(ROOT, MODEL_PATH)} (${(json.length / 1e6).toFixed(2)} MB)`,
  );
}

/** `npm run eval`: 10-fold cross-validation, and the shipped model's throughput. */
export function evaluate(file = process.env['HEED_TRAINING_DATA'] ?? DEFAULT_DATASET): void {
  const data = loadDataset(file);
  const report = crossValidate(
    data,
    loadEmbeddings(TRAINING_CONFIG.topWords, TRAINING_CONFIG.frequentWordDamping),
  );
  const { all, brandDirected, calibrationError } = report.complaint;
  console.log(
    `Complaint detection, ${TRAINING_CONFIG.folds}-fold cross-validation on ${path.basename(file)}`,
  );
  console.log('  part             n     macro-F1  precision  recall');
  for (const [name, r] of [
    ['whole file', all],
    ['brand-directed', brandDirected],
  ] as const) {
    console.log(
      `  ${name.padEnd(15)} ${String(r.n).padStart(5)}   ${pct(r.macroF1).padStart(6)}   ${pct(r.precision).padStart(8)}  ${pct(r.recall).padStart(6)}`,
    );
  }
  console.log(
    `  calibration error on the brand-directed part (ECE, cross-validated Platt): ${calibrationError.toFixed(3)}`,
  );
  console.log(
    `Severity (reproach level 1–4 of complaints, n=${report.severity.n}): macro-F1 ${pct(report.severity.macroF1)}  per level ${report.severity.perClass.map(pct).join(' / ')}`,
  );
  const { output } = report;
  console.log(
    `Severity as output for the bare text (low…critical ↔ 1–4): macro-F1 ${pct(output.complaints.macroF1)} on the complaints (n=${output.complaints.n}); with "not a complaint" as a fifth class ${pct(output.all.macroF1)} whole file (n=${output.all.n}), ${pct(output.brandDirected.macroF1)} brand-directed (n=${output.brandDirected.n})`,
  );

  const texts = data.map((d) => d.text);
  for (const t of texts.slice(0, 200)) classifyTriage({ text: t });
  const rounds = 5;
  const started = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const t of texts) classifyTriage({ text: t });
  const perItemUs = Number(process.hrtime.bigint() - started) / 1000 / (rounds * texts.length);
  console.log(
    `Throughput (shipped model): ${perItemUs.toFixed(0)} µs per message, ${Math.round(1e6 / perItemUs)} messages/s on one core`,
  );
  const verdict = (value: number, target: number) =>
    `${pct(value)} ${value >= target ? '≥' : '<'} ${target * 100}: ${value >= target ? 'met' : 'NOT met'}`;
  console.log('Targets:');
  console.log(`  complaint macro-F1, brand-directed     ${verdict(brandDirected.macroF1, 0.82)}`);
  console.log(`  severity macro-F1, reproach level 1–4  ${verdict(report.severity.macroF1, 0.45)}`);
}
