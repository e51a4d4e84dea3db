/** The shipped triage model (functions/core/triage/model.json), produced by `npm run train`. */
export interface LinearHead {
  /** Weight per sparse feature (n-grams, cues, bias), one array entry per class. */
  weights: Record<string, number[]>;
  /** Per word: its mean-embedding contribution to each class's logit (word → scores). */
  wordScores: Record<string, number[]>;
}

export interface ShippedModel {
  version: number;
  trainedOn: { rows: number; sha256: string };
  complaint: LinearHead & { platt: { a: number; b: number } };
  /** Reproach level of a complaint: classes 0–3 = 1 no explicit reproach … 4 blame. */
  reproach: LinearHead;
}
