import { type Kind, REPROACH_LEVELS, SEVERITY_ORDER, type Triage } from '../model/complaint.ts';
import { describeFeature, extractFeatures, tokenize } from './features.ts';
import type { TriageInput } from './input.ts';
import { kindOf } from './kind.ts';
import { lexiconSentiment } from './lexicon.ts';
import type { LinearHead, SentenceHead, ShippedModel } from './model-types.ts';
import { mentionedTerm } from './relevance.ts';
import { severityFor } from './severity.ts';

export type { TriageInput } from './input.ts';

/** A head as Maps: built once per cold start; lookups of words like "__proto__" stay plain misses. */
interface Head {
  weights: Map<string, number[]>;
  wordScores: Map<string, number[]>;
}
const indexHead = (head: LinearHead): Head => ({
  weights: new Map(Object.entries(head.weights)),
  wordScores: new Map(Object.entries(head.wordScores)),
});
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Class logits of a sentence head: weights · embedding + bias. */
function sentenceLogits(head: SentenceHead, embedding: Float32Array): number[] {
  return head.weights.map((row, c) => {
    let z = head.bias[c]!;
    for (let d = 0; d < row.length; d++) z += row[d]! * embedding[d]!;
    return z;
  });
}

function logSoftmax(z: number[]): number[] {
  const max = Math.max(...z);
  const log = Math.log(z.reduce((sum, x) => sum + Math.exp(x - max), 0)) + max;
  return z.map((x) => x - log);
}

/** Class logits of a linear head: sparse features, plus the mean of the words' embedding scores. */
function logits(
  head: Head,
  features: Map<string, number>,
  tokens: readonly string[],
  classes: number,
): number[] {
  const z = new Array<number>(classes).fill(0);
  for (const [feature, value] of features) {
    const row = head.weights.get(feature);
    if (row) for (let c = 0; c < classes; c++) z[c]! += row[c]! * value;
  }
  let found = 0;
  const sum = new Array<number>(classes).fill(0);
  for (const token of tokens) {
    const scores = head.wordScores.get(token);
    if (!scores) continue;
    found++;
    for (let c = 0; c < classes; c++) sum[c]! += scores[c]!;
  }
  if (found > 0) for (let c = 0; c < classes; c++) z[c]! += sum[c]! / found;
  return z;
}

/** The features that pushed a head hardest towards `target` (against the other classes), so an agent can see why. */
function topReasons(head: Head, features: Map<string, number>, target: number, count: number): string[] {
  const scored: [string, number][] = [];
  for (const [feature, value] of features) {
    const row = head.weights.get(feature);
    if (!row || feature === 'bias') continue;
    const others = (row.reduce((sum, w) => sum + w, 0) - row[target]!) / (row.length - 1);
    const push = (row[target]! - others) * value;
    if (push > 0) scored.push([feature, push]);
  }
  return scored
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([f]) => describeFeature(f));
}

/**
 * What decides the kind besides the words: a review's stars (1–2 is a complaint), and for a listened
 * message its relevance (one that names none of the brand's terms is not for the brand: no clock).
 */
function beyondTheText(byText: Kind, input: TriageInput): { kind: Kind; why: string[] } {
  const why: string[] = [];
  let kind = byText;
  if (input.rating !== undefined && input.rating <= 2 && kind !== 'spam') {
    kind = 'complaint';
    why.push(`review: ${input.rating} star${input.rating === 1 ? '' : 's'}`);
  }
  if (input.about && input.about.length > 0) {
    const term = mentionedTerm(input.text, input.about);
    if (term) why.push(`listening: mentions "${term}"`);
    else {
      if (kind === 'complaint' || kind === 'question') kind = 'other';
      why.push(
        `listening: names none of ${input.about.map((t) => `"${t}"`).join(', ')}, so not for the brand`,
      );
    }
  }
  return { kind, why };
}

/**
 * Classifies one message: kind, calibrated complaint probability, sentiment, severity and reasons.
 * With the message's sentence embedding the n-gram and sentence heads are stacked; without it the
 * n-gram head decides alone (calibrated on its own).
 */
function classify(model: IndexedModel, input: TriageInput): Triage & { reproach: string } {
  const { shipped, complaint: complaintHead, reproach: reproachHead } = model;
  const features = extractFeatures(input.text);
  const tokens = tokenize(input.text);
  const [n, c] = logits(complaintHead, features, tokens, 2) as [number, number];
  const { stack, sparseOnly } = shipped.complaint;
  const alone = sigmoid(sparseOnly.a * (c - n) + sparseOnly.b);
  let complaintProbability = alone;
  if (input.embedding) {
    const [s0, s1] = sentenceLogits(shipped.complaint.sentence, input.embedding) as [number, number];
    complaintProbability = sigmoid(stack.sparse * (c - n) + stack.sentence * (s1 - s0) + stack.bias);
  }
  const threshold = input.complaintThreshold ?? shipped.complaintThreshold;
  const lexicon = lexiconSentiment(tokens);
  const byText = kindOf(input.text, complaintProbability, lexicon, {
    threshold,
    addressed: input.addressed ?? true,
  });
  const { kind, why } = beyondTheText(byText, input);

  const isComplaint = kind === 'complaint';
  const reasons = topReasons(complaintHead, features, isComplaint ? 1 : 0, 3).map(
    (r) => `${isComplaint ? 'complaint cue' : 'not-complaint cue'}: ${r}`,
  );
  reasons.push(...why);
  if (input.embedding && alone >= threshold !== complaintProbability >= threshold)
    reasons.push(
      `the sentence encoder tipped it: ${complaintProbability >= threshold ? 'complaint' : 'not a complaint'} (the cues alone: ${alone.toFixed(2)}, with the encoder: ${complaintProbability.toFixed(2)}, threshold ${threshold})`,
    );
  const sparseReproach = logSoftmax(logits(reproachHead, features, tokens, 4));
  const share = input.embedding ? shipped.reproach.sentenceShare : 0;
  const sentenceReproach = input.embedding
    ? logSoftmax(sentenceLogits(shipped.reproach.sentence, input.embedding))
    : sparseReproach;
  const reproachScores = sparseReproach.map((x, level) => (1 - share) * x + share * sentenceReproach[level]!);
  const reproach = reproachScores.indexOf(Math.max(...reproachScores));
  if (kind === 'complaint' || kind === 'question')
    reasons.push(
      `reproach: ${REPROACH_LEVELS[reproach]}`,
      ...topReasons(reproachHead, features, reproach, 2).map((r) => `reproach cue: ${r}`),
    );
  let severity = severityFor(kind, reproach, input, reasons);
  if (
    isComplaint &&
    input.minimumSeverity &&
    SEVERITY_ORDER.indexOf(input.minimumSeverity) > SEVERITY_ORDER.indexOf(severity)
  ) {
    severity = input.minimumSeverity;
    reasons.push(`severity: at least ${severity} for this source`);
  }
  const sentiment = Math.max(-1, Math.min(1, 0.6 * lexicon.score + 0.8 * (0.5 - complaintProbability)));
  return {
    kind,
    complaintProbability: Number(complaintProbability.toFixed(3)),
    sentiment: Number(sentiment.toFixed(3)),
    severity,
    reproach: REPROACH_LEVELS[reproach]!,
    reasons,
  };
}

interface IndexedModel {
  shipped: ShippedModel;
  complaint: Head;
  reproach: Head;
}

/** Triage with one trained model (model.json, `npm run train`). */
export interface TriageClassifier {
  /** The model's operating point: a complaint (and a clock) from this probability on. */
  readonly complaintThreshold: number;
  classify(input: TriageInput): Triage & { reproach: string };
}

/**
 * A classifier for a trained model, its heads indexed once. The model is an argument, not an import,
 * so the processor reads it from a file beside its bundle at its first batch (adapters/triage-model.ts)
 * rather than evaluating 2 MB of JSON in every cold start; tools and tests use triage/shipped.ts.
 */
export function triageClassifier(shipped: ShippedModel): TriageClassifier {
  const model: IndexedModel = {
    shipped,
    complaint: indexHead(shipped.complaint),
    reproach: indexHead(shipped.reproach),
  };
  return { complaintThreshold: shipped.complaintThreshold, classify: (input) => classify(model, input) };
}
