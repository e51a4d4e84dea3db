/** The shipped triage model (functions/core/triage/model.json), produced by `npm run train`. */
export interface LinearHead {
  /** Weight per sparse feature (n-grams, cues, bias), one array entry per class. */
  weights: Record<string, number[]>;
  /** Per word: its mean-embedding contribution to each class's logit (word → scores). */
  wordScores: Record<string, number[]>;
}

/** A linear head on the sentence encoder's embedding: weights[class][dimension], bias[class]. */
export interface SentenceHead {
  weights: number[][];
  bias: number[];
}

export interface ShippedModel {
  version: 2;
  trainedOn: { rows: number; sha256: string; encoder: string };
  /** What nested cross-validation chose (lib/training), for the record. */
  chosen: Record<string, number>;
  complaint: LinearHead & {
    sentence: SentenceHead;
    /**
     * Calibrated complaint probability: σ(sparse·sparseMargin + sentence·sentenceMargin + bias), a
     * logistic fit on out-of-fold margins. `sparseOnly` is the same fit without the encoder (for a
     * caller that has no embedding).
     */
    stack: { sparse: number; sentence: number; bias: number };
    sparseOnly: { a: number; b: number };
  };
  /** Reproach level of a complaint: classes 0–3 = 1 no explicit reproach … 4 blame. */
  reproach: LinearHead & {
    sentence: SentenceHead;
    /** Share of the sentence head in the mixed log-probabilities (0: n-grams only). */
    sentenceShare: number;
  };
  /** "Starts a clock" from this probability on (recall of complaints first; stage config can override). */
  complaintThreshold: number;
}
