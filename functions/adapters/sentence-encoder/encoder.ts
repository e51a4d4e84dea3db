import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import type { SentenceEncoder } from '#core/ports.ts';
import { type EncoderFiles, encoderFiles } from './files.ts';
import { SentencePieceTokenizer, type Vocabulary } from './tokenizer.ts';

/** Reads the graph model from disk: no network, whatever tfjs's own IO would try. */
function fileHandler(modelDir: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as {
        modelTopology: object;
        weightsManifest: tf.io.WeightsManifestConfig;
      };
      const buffers = json.weightsManifest.flatMap((g) =>
        g.paths.map((p) => readFileSync(path.join(modelDir, p))),
      );
      const weightData = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: weightData.buffer.slice(
          weightData.byteOffset,
          weightData.byteOffset + weightData.byteLength,
        ),
      };
    },
  };
}

/**
 * The Universal Sentence Encoder lite (512-d sentence embeddings) on tfjs's WebAssembly backend:
 * the same numbers on x64 and arm64, ~10× faster than tfjs's pure-JS backend. Loaded once per
 * container; `embed` batches.
 */
class UseLiteEncoder implements SentenceEncoder {
  readonly dimensions = 512;

  constructor(
    private readonly model: GraphModel,
    private readonly tokenizer: SentencePieceTokenizer,
  ) {}

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const all = texts.map((t) => this.tokenizer.encode(t));
    // A text with no tokens (an empty caption, an image-only post) has no embedding: the model
    // refuses an empty input, so it gets zeros and the cues decide alone.
    const ids = all.filter((row) => row.length > 0);
    if (ids.length < all.length) {
      const embedded = ids.length > 0 ? await this.embed(texts.filter((_, i) => all[i]!.length > 0)) : [];
      let next = 0;
      return all.map((row) => (row.length > 0 ? embedded[next++]! : new Float32Array(this.dimensions)));
    }
    const positions = ids.flatMap((row, i) => row.map((_, j) => [i, j]));
    const indices = tf.tensor2d(positions, [positions.length, 2], 'int32');
    const values = tf.tensor1d(ids.flat(), 'int32');
    try {
      const output = (await this.model.executeAsync({ indices, values })) as tf.Tensor;
      const flat = (await output.data()) as Float32Array;
      output.dispose();
      return texts.map((_, i) => flat.slice(i * this.dimensions, (i + 1) * this.dimensions));
    } finally {
      indices.dispose();
      values.dispose();
    }
  }
}

let loading: Promise<SentenceEncoder> | undefined;

/** The encoder, loaded on first use and shared by every caller in this process (one per Lambda container). */
export function sentenceEncoder(files: EncoderFiles = encoderFiles()): Promise<SentenceEncoder> {
  loading ??= (async () => {
    // Trailing separator: tfjs appends the .wasm file name to the prefix.
    setWasmPaths(`${files.wasm}${path.sep}`);
    // No worker threads in Lambda's sandboxed runtime; SIMD is enough.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    await tf.setBackend('wasm');
    await tf.ready();
    const vocabulary = JSON.parse(readFileSync(path.join(files.model, 'vocab.json'), 'utf8')) as Vocabulary;
    const model = await loadGraphModel(fileHandler(files.model));
    return new UseLiteEncoder(model, new SentencePieceTokenizer(vocabulary));
  })();
  // A failed load is retried by the next caller, not cached.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
