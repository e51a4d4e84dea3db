// Run by bench/run.ts in a fresh process, so its memory is the encoder's alone: what a processor
// container pays to load the sentence encoder, and per message to embed and classify.
import { sentenceEncoder } from '#adapters/sentence-encoder/encoder.ts';
import { classifyTriage } from '#core/triage/shipped.ts';

const texts = JSON.parse(process.argv[2] ?? '[]') as string[];
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const encoder = await sentenceEncoder();
const loadMs = performance.now() - started;
for (const text of texts.slice(0, 20)) await encoder.embed([text]); // warm-up
const single = performance.now();
const singles = texts.slice(20, 220);
for (const text of singles) classifyTriage({ text, embedding: (await encoder.embed([text]))[0] });
const singleMs = (performance.now() - single) / singles.length;
const batch = performance.now();
const batched = texts.slice(220, 860);
for (let i = 0; i < batched.length; i += 10) {
  const chunk = batched.slice(i, i + 10);
  const vectors = await encoder.embed(chunk);
  chunk.forEach((text, k) => classifyTriage({ text, embedding: vectors[k] }));
}
const batchMs = (performance.now() - batch) / batched.length;
console.log(
  JSON.stringify({ loadMs, singleMs, batchMs, rssMB: (process.memoryUsage().rss - rssBefore) / 1e6, peakMB: process.resourceUsage().maxRSS / 1024 }),
);
