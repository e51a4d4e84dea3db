import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type TriageClassifier, triageClassifier } from '#core/triage/classifier.ts';
import type { ShippedModel } from '#core/triage/model-types.ts';

/** The folder beside the processor's bundle that holds the triage model (copied there at bundling). */
export const TRIAGE_MODEL_DIR = 'triage-model';
/** The trained model in the source tree (`npm run train` writes it): the twin and the tests read it here. */
export const TRIAGE_MODEL_SOURCE = fileURLToPath(new URL('../core/triage/model.json', import.meta.url));

/** Where the model is: beside the bundle in Lambda, else in the source tree. */
export function triageModelFile(besideModule = path.dirname(fileURLToPath(import.meta.url))): string {
  const bundled = path.join(besideModule, TRIAGE_MODEL_DIR, 'model.json');
  return existsSync(bundled) ? bundled : TRIAGE_MODEL_SOURCE;
}

/**
 * Reads and indexes the trained model: a file asset rather than part of the bundle, because 2 MB of
 * JSON evaluated as JavaScript cost every cold start tens of milliseconds (bench/cold-start.ts); here it
 * is parsed as JSON, once per container, at the first batch.
 */
export function loadTriageModel(file = triageModelFile()): TriageClassifier {
  return triageClassifier(JSON.parse(readFileSync(file, 'utf8')) as ShippedModel);
}
