import { createHash } from 'node:crypto';
import { SEVERITY_ORDER } from '#core/model/complaint.ts';
import { extractFeatures, type SparseVector, tokenize } from '#core/triage/features.ts';
import { kindOf } from '#core/triage/kind.ts';
import { lexiconSentiment } from '#core/triage/lexicon.ts';
import type { LinearHead, ShippedModel } from '#core/triage/model-types.ts';
import { severityFor } from '#core/triage/severity.ts';
import type { LabelledTweet } from './dataset.ts';
import {
  buildVocabulary,
  fitPlatt,
  type IndexedVector,
  index,
  seededRandom,
  softmax,
  type TrainOptions,
  trainSoftmax,
} from './linear.ts';
import { calibrationError, f1Scores, macroF1, stratifiedFolds } from './metrics.ts';

/** Chosen by 10-fold cross-validation on the development file (README § Triage). */
export const TRAINING_CONFIG = {
  embeddingWeight: 5,
  topWords: 30_000,
  frequentWordDamping: 1000,
  /** Feature augmentation for the brand-directed domain (Daumé 2007): shared + brand-specific copies. */
  brandAugment: 0.5,
  /** Weight of the random (not brand-directed) tweets when training complaint detection. */
  randomTweetWeight: 0.5,
  minDf: 2,
  complaint: { classes: 2, epochs: 15, learningRate: 0.1, l2: 3e-4, seed: 1, balanced: false },
  // Fewer epochs with iterate averaging: reproach has 993 examples and overfits quickly.
  reproach: { classes: 4, epochs: 6, learningRate: 0.1, l2: 3e-4, seed: 1, balanced: true, average: true },
  folds: 10,
  foldSeed: 7,
} as const;

export type Embeddings = Map<string, Float64Array>;

/**
 * Training-time features: the runtime ones, the mean word embedding and, for complaint detection,
 * the brand-domain copies. Every complaint is brand-directed, so the reproach head has no use for them.
 */
export function trainingFeatures(
  tweet: Pick<LabelledTweet, 'text' | 'brandDirected'>,
  embeddings: Embeddings,
  head: 'complaint' | 'reproach' = 'complaint',
): SparseVector {
  const features = extractFeatures(tweet.text, { reproachMarkers: head === 'reproach' });
  const brandDomain = tweet.brandDirected && head === 'complaint';
  if (brandDomain) features.set('f:brand', 1);
  const sum = new Float64Array(100);
  let found = 0;
  for (const token of tokenize(tweet.text)) {
    const vector = embeddings.get(token);
    if (!vector) continue;
    found++;
    for (let d = 0; d < 100; d++) sum[d]! += vector[d]!;
  }
  if (found > 0)
    for (let d = 0; d < 100; d++) features.set(`e:${d}`, (TRAINING_CONFIG.embeddingWeight * sum[d]!) / found);
  if (brandDomain) {
    for (const [key, value] of [...features]) {
      if (key !== 'bias' && key !== 'f:brand') features.set(`B|${key}`, value * TRAINING_CONFIG.brandAugment);
    }
  }
  return features;
}

/** Complaint detection learns mostly from messages to brands; the random tweets count for less. */
const complaintWeight = (tweet: LabelledTweet) =>
  tweet.brandDirected ? 1 : TRAINING_CONFIG.randomTweetWeight;

interface Fitted {
  vocab: Map<string, number>;
  weights: Float64Array[];
}

function fitModel(
  features: SparseVector[],
  labels: number[],
  options: TrainOptions & { balanced: boolean },
  sampleWeights?: number[],
): Fitted {
  const vocab = buildVocabulary(features, TRAINING_CONFIG.minDf);
  const vectors: IndexedVector[] = features.map((f) => index(f, vocab));
  // Balanced class weights: macro-F1 values the rare classes (accusation, blame) as much as the rest.
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const weights = labels.map(
    (l, n) =>
      (options.balanced ? labels.length / (counts.size * counts.get(l)!) : 1) * (sampleWeights?.[n] ?? 1),
  );
  return { vocab, weights: trainSoftmax(vectors, labels, vocab.size, { ...options }, weights) };
}

const margin = (p: number[]) => Math.log(p[1]! / p[0]!);

function predict(model: Fitted, features: SparseVector): number[] {
  return softmax(model.weights, index(features, model.vocab));
}

/**
 * Folds the model for inference, where every message is brand-directed: the brand-specific copies
 * (`B|…`, valued brandAugment × the shared one) and `f:brand` (always 1) merge into the shared weights
 * and the bias; the embedding weights become per-word scores. Exact, and half the size.
 */
function foldForInference(model: Fitted, embeddings: Embeddings): LinearHead {
  const classes = model.weights.length;
  const effective = new Map<string, number[]>();
  const add = (feature: string, row: number[], scale: number) => {
    const current = effective.get(feature) ?? new Array<number>(classes).fill(0);
    effective.set(
      feature,
      current.map((v, c) => v + scale * row[c]!),
    );
  };
  for (const [feature, i] of model.vocab) {
    const row = model.weights.map((w) => w[i]!);
    if (feature === 'f:brand') add('bias', row, 1);
    else if (feature.startsWith('B|')) add(feature.slice(2), row, TRAINING_CONFIG.brandAugment);
    else add(feature, row, 1);
  }
  const weights: Record<string, number[]> = {};
  const embeddingWeights: number[][] = Array.from({ length: classes }, () => new Array(100).fill(0));
  for (const [feature, row] of effective) {
    if (feature.startsWith('e:')) {
      const d = Number(feature.slice(2));
      for (const [c, v] of row.entries()) embeddingWeights[c]![d] = v;
    } else if (row.some((v) => Math.abs(v) > 1e-4)) weights[feature] = row.map(round);
  }
  const wordScores: Record<string, number[]> = {};
  for (const [word, vector] of embeddings) {
    wordScores[word] = embeddingWeights.map((w) =>
      round(TRAINING_CONFIG.embeddingWeight * w.reduce((s, x, d) => s + x * vector[d]!, 0)),
    );
  }
  return { weights, wordScores };
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

const complaints = (data: LabelledTweet[]) =>
  data.filter((d) => d.complaint === 1 && d.severity !== null && d.severity >= 1);

export function trainShippedModel(
  data: LabelledTweet[],
  embeddings: Embeddings,
  fileText: string,
): ShippedModel {
  const features = data.map((d) => trainingFeatures(d, embeddings));
  const labels = data.map((d) => d.complaint);
  const complaintModel = fitModel(features, labels, TRAINING_CONFIG.complaint, data.map(complaintWeight));
  // Calibrate on out-of-fold margins, never on the training fit's own (over-confident) ones.
  const { margins } = crossValidatedComplaint(data, features);
  const calibration = data.map((_, i) => i).filter((i) => data[i]!.brandDirected);
  const platt = fitPlatt(
    calibration.map((i) => margins[i]!),
    calibration.map((i) => labels[i]!),
  );
  const severe = complaints(data);
  const reproachModel = fitModel(
    severe.map((d) => trainingFeatures(d, embeddings, 'reproach')),
    severe.map((d) => d.severity! - 1),
    TRAINING_CONFIG.reproach,
  );
  return {
    version: 1,
    trainedOn: { rows: data.length, sha256: createHash('sha256').update(fileText).digest('hex') },
    complaint: {
      ...foldForInference(complaintModel, embeddings),
      platt: { a: round(platt.a), b: round(platt.b) },
    },
    reproach: foldForInference(reproachModel, embeddings),
  };
}

function crossValidatedComplaint(data: LabelledTweet[], features: SparseVector[]) {
  const labels = data.map((d) => d.complaint);
  const folds = stratifiedFolds(
    labels.map((l, i) => l * 2 + (data[i]!.brandDirected ? 1 : 0)),
    TRAINING_CONFIG.folds,
    seededRandom(TRAINING_CONFIG.foldSeed),
  );
  const margins = new Array<number>(data.length);
  for (let f = 0; f < TRAINING_CONFIG.folds; f++) {
    const train = labels.map((_, i) => i).filter((i) => folds[i] !== f);
    const model = fitModel(
      train.map((i) => features[i]!),
      train.map((i) => labels[i]!),
      TRAINING_CONFIG.complaint,
      train.map((i) => complaintWeight(data[i]!)),
    );
    for (let i = 0; i < data.length; i++)
      if (folds[i] === f) margins[i] = margin(predict(model, features[i]!));
  }
  return { margins, folds };
}

export interface EvaluationReport {
  complaint: Record<
    'all' | 'brandDirected',
    { macroF1: number; precision: number; recall: number; n: number }
  > & { calibrationError: number };
  /** Reproach level 1–4 of the gold complaints (the four-class task of the literature). */
  severity: { macroF1: number; perClass: number[]; n: number };
  /**
   * The severity the classifier outputs for the bare text (a public message, nothing known of the
   * author: the reproach level, floored by risk words), against the file's severity column.
   * `complaints`: low…critical ↔ 1–4 over the gold complaints (kinds other than complaint and
   * question are low); `all`/`brandDirected`: five classes, 0 unless the kind is complaint, so
   * errors of both heads count.
   */
  output: Record<'complaints' | 'all' | 'brandDirected', { macroF1: number; n: number }>;
}

/** 10-fold cross-validation of both heads, reported for the whole file and its brand-directed part. */
export function crossValidate(data: LabelledTweet[], embeddings: Embeddings): EvaluationReport {
  const features = data.map((d) => trainingFeatures(d, embeddings));
  const labels = data.map((d) => d.complaint);
  const { margins, folds } = crossValidatedComplaint(data, features);
  // Calibration is cross-validated too: each fold's probabilities come from Platt fitted on the others'
  // brand-directed messages (the only kind Heed receives), and the product's rule decides: p ≥ 0.5.
  const probabilities = new Array<number>(data.length);
  for (let f = 0; f < TRAINING_CONFIG.folds; f++) {
    const others = margins.map((_, j) => j).filter((j) => folds[j] !== f && data[j]!.brandDirected);
    const { a, b } = fitPlatt(
      others.map((j) => margins[j]!),
      others.map((j) => labels[j]!),
    );
    margins.forEach((m, i) => {
      if (folds[i] === f) probabilities[i] = 1 / (1 + Math.exp(-(a * m + b)));
    });
  }
  const predicted = probabilities.map((p) => (p >= 0.5 ? 1 : 0));
  const report = (subset: number[]) => {
    const gold = subset.map((i) => labels[i]!);
    const pred = subset.map((i) => predicted[i]!);
    const [, positive] = f1Scores(gold, pred, [0, 1]);
    return {
      macroF1: macroF1(gold, pred, [0, 1]),
      precision: positive!.precision,
      recall: positive!.recall,
      n: subset.length,
    };
  };
  const everyone = data.map((_, i) => i);
  const brandDirected = everyone.filter((i) => data[i]!.brandDirected);

  const severe = complaints(data);
  const severeFeatures = severe.map((d) => trainingFeatures(d, embeddings, 'reproach'));
  const severeLabels = severe.map((d) => d.severity! - 1);
  const severeFolds = stratifiedFolds(
    severeLabels,
    TRAINING_CONFIG.folds,
    seededRandom(TRAINING_CONFIG.foldSeed),
  );
  const severePredicted = new Array<number>(severe.length);
  // Messages that are not gold complaints were never in any reproach training set: the model of
  // their complaint fold predicts them, so every end-to-end prediction is out of fold.
  const reproachOf = new Map<LabelledTweet, number>();
  const argmax = (p: number[]) => p.indexOf(Math.max(...p));
  for (let f = 0; f < TRAINING_CONFIG.folds; f++) {
    const train = severe.map((_, i) => i).filter((i) => severeFolds[i] !== f);
    const model = fitModel(
      train.map((i) => severeFeatures[i]!),
      train.map((i) => severeLabels[i]!),
      TRAINING_CONFIG.reproach,
    );
    for (let i = 0; i < severe.length; i++) {
      if (severeFolds[i] !== f) continue;
      severePredicted[i] = argmax(predict(model, severeFeatures[i]!));
      reproachOf.set(severe[i]!, severePredicted[i]!);
    }
    data.forEach((d, i) => {
      if (folds[i] === f && d.complaint === 0)
        reproachOf.set(d, argmax(predict(model, trainingFeatures(d, embeddings, 'reproach'))));
    });
  }
  const graded = everyone.filter((i) => data[i]!.complaint === 0 || reproachOf.has(data[i]!));
  // The kind and severity the classifier gives the bare text, from out-of-fold scores.
  const outputOf = (i: number) => {
    const d = data[i]!;
    const kind = kindOf(d.text, probabilities[i]!, lexiconSentiment(tokenize(d.text)));
    const level = 1 + SEVERITY_ORDER.indexOf(severityFor(kind, reproachOf.get(d)!, { text: d.text }, []));
    return { kind, level };
  };
  const outputs = new Map(graded.map((i) => [i, outputOf(i)]));
  const output = (subset: number[], levels: number[]) => ({
    macroF1: macroF1(
      subset.map((i) => (data[i]!.complaint === 1 ? data[i]!.severity! : 0)),
      subset.map((i) => {
        const { kind, level } = outputs.get(i)!;
        return levels.includes(0) && kind !== 'complaint' ? 0 : level;
      }),
      levels,
    ),
    n: subset.length,
  });
  const fiveLevels = [0, 1, 2, 3, 4];
  return {
    complaint: {
      all: report(everyone),
      brandDirected: report(brandDirected),
      calibrationError: calibrationError(
        brandDirected.map((i) => probabilities[i]!),
        brandDirected.map((i) => labels[i]!),
      ),
    },
    severity: {
      macroF1: macroF1(severeLabels, severePredicted, [0, 1, 2, 3]),
      perClass: f1Scores(severeLabels, severePredicted, [0, 1, 2, 3]).map((s) => s.f1),
      n: severe.length,
    },
    output: {
      complaints: output(
        graded.filter((i) => data[i]!.complaint === 1),
        [1, 2, 3, 4],
      ),
      all: output(graded, fiveLevels),
      brandDirected: output(
        graded.filter((i) => data[i]!.brandDirected),
        fiveLevels,
      ),
    },
  };
}
