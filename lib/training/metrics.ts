export function f1Scores(gold: number[], predicted: number[], classes: number[]) {
  return classes.map((c) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    gold.forEach((g, i) => {
      const p = predicted[i];
      if (p === c && g === c) tp++;
      else if (p === c) fp++;
      else if (g === c) fn++;
    });
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    return {
      cls: c,
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    };
  });
}

export function macroF1(gold: number[], predicted: number[], classes: number[]): number {
  const scores = f1Scores(gold, predicted, classes);
  return scores.reduce((a, s) => a + s.f1, 0) / scores.length;
}

/** Expected calibration error over 10 equal-width bins. */
export function calibrationError(probabilities: number[], gold: number[]): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, p: 0, y: 0 }));
  probabilities.forEach((p, i) => {
    const bin = bins[Math.min(9, Math.floor(p * 10))]!;
    bin.n++;
    bin.p += p;
    bin.y += gold[i]!;
  });
  return bins.reduce((e, b) => e + (b.n ? Math.abs(b.p - b.y) : 0), 0) / probabilities.length;
}

/** Stratified k folds, deterministic. */
export function stratifiedFolds(labels: number[], k: number, random: () => number): number[] {
  const fold = new Array<number>(labels.length);
  const byClass = new Map<number, number[]>();
  for (const [i, l] of labels.entries()) byClass.set(l, [...(byClass.get(l) ?? []), i]);
  for (const indices of byClass.values()) {
    const shuffled = [...indices];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    for (const [i, n] of shuffled.entries()) fold[n] = i % k;
  }
  return fold;
}
