import { type TriageClassifier, type TriageInput, triageClassifier } from './classifier.ts';
import shipped from './model.json' with { type: 'json' };
import type { ShippedModel } from './model-types.ts';

/**
 * The shipped model as a classifier, for tools and tests that run from the source tree (the CLI,
 * evaluations, benchmarks). The processor reads the same file at run time instead
 * (adapters/triage-model.ts), so its bundle does not carry it.
 */
export const SHIPPED_TRIAGE: TriageClassifier = triageClassifier(shipped as unknown as ShippedModel);
export const COMPLAINT_THRESHOLD = SHIPPED_TRIAGE.complaintThreshold;
export const classifyTriage = (input: TriageInput) => SHIPPED_TRIAGE.classify(input);
