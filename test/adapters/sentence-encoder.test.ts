import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sentenceEncoder } from '#adapters/sentence-encoder/encoder.ts';
import { encoderFiles } from '#adapters/sentence-encoder/files.ts';
import { SentencePieceTokenizer, type Vocabulary } from '#adapters/sentence-encoder/tokenizer.ts';

const vocabulary = JSON.parse(
  readFileSync(path.join(encoderFiles().model, 'vocab.json'), 'utf8'),
) as Vocabulary;

describe('the SentencePiece tokenizer', () => {
  // Ids produced by the reference tokenizer (tfjs-models universal-sentence-encoder 1.3.3), which
  // also agreed on every line of the dev file when the port was written.
  it.each([
    ['', []],
    [' ', [30, 30]],
    ['héllo wörld 😡😡 ça', [1786, 1133, 120, 102, 848, 6781, 93, 2706, 30, 0, 30, 6801, 86]],
    [
      '@brand my order #123 never arrived!!! 💩',
      [2330, 1700, 381, 69, 641, 6933, 4044, 251, 4693, 1300, 30, 0],
    ],
    ['\u0000\u0001 x', [30, 0, 649]],
    ['ＡＢＣ full width', [74, 2512, 650, 7916]],
    ['a  b   c', [11, 30, 464, 30, 30, 598]],
  ])('encodes %j as the reference does', (text, ids) => {
    expect(new SentencePieceTokenizer(vocabulary).encode(text)).toEqual(ids);
  });
});

describe('the sentence encoder (USE lite on tfjs wasm, offline)', () => {
  const cosine = (a: Float32Array, b: Float32Array) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i]! * b[i]!;
      na += a[i]! ** 2;
      nb += b[i]! ** 2;
    }
    return dot / Math.sqrt(na * nb);
  };

  it('embeds in 512 dimensions, the same text alone or in a batch, close texts closer', async () => {
    const encoder = await sentenceEncoder();
    const texts = [
      'my parcel never arrived and nobody answers',
      'the package was never delivered, no reply from support',
      'what a lovely sunny day at the beach',
    ];
    const [a, b, c] = await encoder.embed(texts);
    expect(a).toHaveLength(512);
    // The model's own numbers (regression guard for the tokenizer, the loader and the backend).
    const [hello] = await encoder.embed(['hello world']);
    expect(Array.from(hello!.slice(0, 3))).toEqual([
      expect.closeTo(-0.0515, 3),
      expect.closeTo(-0.0549, 3),
      expect.closeTo(-0.0077, 3),
    ]);
    const [alone] = await encoder.embed([texts[0]!]);
    expect(cosine(alone!, a!)).toBeGreaterThan(0.9999);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!) + 0.2);
    expect(await encoder.embed([])).toEqual([]);
    // No tokens (an image-only post): zeros, beside real embeddings, never an error (found by CI).
    const [empty, real] = await encoder.embed(['', texts[0]!]);
    expect(Array.from(empty!).every((x) => x === 0)).toBe(true);
    expect(cosine(real!, a!)).toBeGreaterThan(0.9999);
  });
});
