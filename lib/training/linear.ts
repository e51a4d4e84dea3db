import type { SparseVector } from '#core/triage/features.ts';

/** Deterministic PRNG (mulberry32): training is reproducible bit for bit. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface IndexedVector {
  idx: Int32Array;
  val: Float64Array;
}

/** Vocabulary: features seen in at least `minDf` training documents (plus the always-on ones). */
export function buildVocabulary(docs: SparseVector[], minDf: number): Map<string, number> {
  const df = new Map<string, number>();
  for (const doc of docs) for (const key of doc.keys()) df.set(key, (df.get(key) ?? 0) + 1);
  const vocab = new Map<string, number>();
  for (const [key, count] of [...df].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (count >= minDf || key === 'bias' || key.startsWith('f:') || key.startsWith('e:'))
      vocab.set(key, vocab.size);
  }
  return vocab;
}

export function index(doc: SparseVector, vocab: Map<string, number>, scale?: Float64Array): IndexedVector {
  const idx: number[] = [];
  const val: number[] = [];
  for (const [key, value] of doc) {
    const i = vocab.get(key);
    if (i === undefined) continue;
    idx.push(i);
    val.push(scale ? value * scale[i]! : value);
  }
  return { idx: Int32Array.from(idx), val: Float64Array.from(val) };
}

export interface TrainOptions {
  classes: number;
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
  /** Polyak averaging of the iterates over the second half of training (steadier, better generalizing). */
  average?: boolean;
}

/**
 * Multinomial logistic regression (binary when classes = 2, as a softmax over two), trained with
 * AdaGrad and L2, deterministic. Returns weights[class][feature].
 */
export function trainSoftmax(
  vectors: IndexedVector[],
  labels: number[],
  size: number,
  options: TrainOptions,
  weights?: number[],
): Float64Array[] {
  const { classes, epochs, learningRate, l2, seed } = options;
  const w = Array.from({ length: classes }, () => new Float64Array(size));
  const g2 = Array.from({ length: classes }, () => new Float64Array(size).fill(1e-8));
  const random = seededRandom(seed);
  const order = vectors.map((_, i) => i);
  const logits = new Float64Array(classes);
  const avg = Array.from({ length: classes }, () => new Float64Array(size));
  let steps = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const n of shuffle(order, random)) {
      const v = vectors[n]!;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) {
        let z = 0;
        const wc = w[c]!;
        for (let k = 0; k < v.idx.length; k++) z += wc[v.idx[k]!]! * v.val[k]!;
        logits[c] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += logits[c] = Math.exp(logits[c]! - max);
      for (let c = 0; c < classes; c++) {
        const error = (logits[c]! / sum - (labels[n] === c ? 1 : 0)) * (weights?.[n] ?? 1);
        const wc = w[c]!;
        const gc = g2[c]!;
        for (let k = 0; k < v.idx.length; k++) {
          const i = v.idx[k]!;
          const grad = error * v.val[k]! + l2 * wc[i]!;
          gc[i]! += grad * grad;
          wc[i]! -= (learningRate * grad) / Math.sqrt(gc[i]!);
        }
      }
    }
    if (options.average && epoch >= Math.floor(epochs / 2)) {
      steps++;
      for (let c = 0; c < classes; c++) for (let i = 0; i < size; i++) avg[c]![i]! += w[c]![i]!;
    }
  }
  if (!options.average) return w;
  return avg.map((a) => a.map((x) => x / Math.max(1, steps)));
}

export function softmax(w: Float64Array[], v: IndexedVector): number[] {
  const z = w.map((wc) => {
    let s = 0;
    for (let k = 0; k < v.idx.length; k++) s += wc[v.idx[k]!]! * v.val[k]!;
    return s;
  });
  const max = Math.max(...z);
  const e = z.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

/**
 * A small logistic regression on a few dense inputs (full-batch gradient descent), with Platt's
 * smoothed targets so that it does not chase 0 and 1: Platt scaling is the one-input case, stacking
 * the base models' margins the multi-input one.
 */
export function fitLogistic(inputs: number[][], labels: number[]): { weights: number[]; bias: number } {
  const d = inputs[0]?.length ?? 0;
  const weights = new Array<number>(d).fill(1);
  let bias = 0;
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const targets = labels.map((l) => (l === 1 ? hi : lo));
  const gradient = new Array<number>(d);
  for (let iter = 0; iter < 2000; iter++) {
    gradient.fill(0);
    let gb = 0;
    inputs.forEach((x, i) => {
      let z = bias;
      for (let k = 0; k < d; k++) z += weights[k]! * x[k]!;
      const error = 1 / (1 + Math.exp(-z)) - targets[i]!;
      for (let k = 0; k < d; k++) gradient[k]! += error * x[k]!;
      gb += error;
    });
    for (let k = 0; k < d; k++) weights[k]! -= (0.5 * gradient[k]!) / inputs.length;
    bias -= (0.5 * gb) / inputs.length;
  }
  return { weights, bias };
}

/** Platt scaling: fits p = σ(a·s + b) on held-out scores so the probability means what it says. */
export function fitPlatt(scores: number[], labels: number[]): { a: number; b: number } {
  const { weights, bias } = fitLogistic(
    scores.map((s) => [s]),
    labels,
  );
  return { a: weights[0]!, b: bias };
}
