import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sentenceEncoder } from '#adapters/sentence-encoder/encoder.ts';
import { encoderFiles } from '#adapters/sentence-encoder/files.ts';
import { PROJECT_ROOT } from '../constructs/node-function.ts';

const CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'sentence-embeddings');
const BATCH = 64;

/**
 * Sentence embeddings of `texts` with the shipped encoder, cached on disk (keyed by the texts and the
 * encoder's weights), so training and evaluation embed the dev file once (~20 s), not every run.
 */
export async function sentenceEmbeddings(texts: readonly string[]): Promise<Float32Array[]> {
  const files = encoderFiles();
  const key = createHash('sha256')
    .update(readFileSync(path.join(files.model, 'model.json')))
    .update(JSON.stringify(texts))
    .digest('hex')
    .slice(0, 24);
  const file = path.join(CACHE_DIR, `${key}.f32`);
  const encoder = existsSync(file) ? undefined : await sentenceEncoder(files);
  if (!encoder) {
    const bytes = readFileSync(file);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const size = all.length / texts.length;
    return texts.map((_, i) => all.slice(i * size, (i + 1) * size));
  }
  const vectors: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += BATCH)
    vectors.push(...(await encoder.embed(texts.slice(i, i + BATCH))));
  mkdirSync(CACHE_DIR, { recursive: true });
  const all = new Float32Array(texts.length * encoder.dimensions);
  for (const [i, v] of vectors.entries()) all.set(v, i * encoder.dimensions);
  writeFileSync(file, Buffer.from(all.buffer));
  return vectors;
}
