#!/usr/bin/env node
// `npm run bench`: speed and memory of the hot paths, each checked against a floor.
// Intake: verify + split + normalize per delivery (what the ingest Lambda does before enqueueing);
// end to end: webhook POST → 200 on the local twin (HTTP, handler, SQS SendMessageBatch).
import { REVIEW_SECRETS } from '../test/support/signing.ts';
import type { SourceName } from '#core/sources.ts';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type QueuedEvent, UNHANDLED_EVENT } from '#core/model/interaction.ts';
import { parserForPlatform } from '#core/platforms/index.ts';
import { ingestDelivery } from '#core/use-cases/ingest-delivery.ts';
import { startTwin } from '../lib/local/twin.ts';
import { loadDataset } from '../lib/training/dataset.ts';
import { CATALOG, xTweet } from '../test/fixtures/deliveries.ts';

const DATASET = fileURLToPath(new URL('../../shared/data/complaints-dev.csv', import.meta.url));

interface Result {
  name: string;
  value: number;
  unit: string;
  floor: number;
  better: 'lower' | 'higher';
}
const results: Result[] = [];
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function intakeThroughput() {
  const secrets = { xConsumerSecret: ['s'], metaAppSecret: ['s'], metaVerifyToken: ['v'], genericWebhookSecret: [`whsec_${Buffer.from('k').toString('base64')}`], ...REVIEW_SECRETS,};
  const now = new Date();
  const ts = String(Math.floor(now.getTime() / 1000));
  const requests = CATALOG.map((entry) => {
    const body = JSON.stringify(entry.body);
    const [platform, source] = entry.route.split('/');
    const headers: Record<string, string> =
      platform === 'x'
        ? { 'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', 's').update(body).digest('base64')}` }
        : platform === 'meta'
          ? { 'x-hub-signature-256': `sha256=${createHmac('sha256', 's').update(body).digest('hex')}` }
          : { 'webhook-id': 'm', 'webhook-timestamp': ts, 'webhook-signature': `v1,${createHmac('sha256', Buffer.from('k')).update(`m.${ts}.${body}`).digest('base64')}` };
    return { source: platform as SourceName, method: 'POST', headers, query: {}, pathParameters: source ? { sender: source } : {}, rawBody: Buffer.from(body) };
  });
  let sink: QueuedEvent[] = [];
  const deps = { queue: { enqueue: async (e: QueuedEvent[]) => void (sink = e) }, replayGuard: { begin: async () => 'first' as const, accepted: async () => {} }, secrets: async () => secrets, clock: { now: () => now, wallNow: () => now, realMsUntil: () => 0 }, maxBodyBytes: 1 << 20, deliveryId: 'bench' };
  const run = async () => {
    for (const request of requests) {
      await ingestDelivery(request, deps);
      for (const event of sink) if (event.type !== UNHANDLED_EVENT) parserForPlatform(event.platform).normalize(event);
    }
  };
  for (let i = 0; i < 200; i++) await run(); // warm-up (JIT)
  const rounds = 2000;
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await run();
  const elapsed = performance.now() - started;
  const perDeliveryUs = (elapsed * 1000) / (rounds * requests.length);
  results.push({ name: 'intake: verify + split + normalize, per delivery', value: perDeliveryUs, unit: 'µs', floor: 250, better: 'lower' });
  gc();
  // Retained after a full GC: a leak per delivery would show here (2,000 rounds × every catalog entry).
  results.push({ name: 'intake: heap retained after the run', value: (process.memoryUsage().heapUsed - heapBefore) / 1e6, unit: 'MB', floor: 8, better: 'lower' });
}

async function twinLatency() {
  const twin = await startTwin({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), 'heed-bench-')), log: () => {} });
  try {
    const latencies: number[] = [];
    for (let i = 0; i < 300; i++) {
      const body = JSON.stringify(xTweet({ id: String(1900000000000000000n + BigInt(i)) }));
      const signature = `sha256=${createHmac('sha256', twin.secrets.xConsumerSecret).update(body).digest('base64')}`;
      const started = performance.now();
      const response = await fetch(`${twin.url}/webhooks/x`, { method: 'POST', headers: { 'x-twitter-webhooks-signature': signature }, body });
      await response.arrayBuffer();
      if (i >= 20) latencies.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    }
    latencies.sort((a, b) => a - b);
    results.push({ name: 'twin: X webhook POST → 200, p50', value: percentile(latencies, 50), unit: 'ms', floor: 100, better: 'lower' });
    results.push({ name: 'twin: X webhook POST → 200, p99 (X allows 10 s)', value: percentile(latencies, 99), unit: 'ms', floor: 1000, better: 'lower' });
  } finally {
    await twin.stop();
  }
}

async function triage() {
  // Cold start: what the bundled Lambda does once: parse the 2.3 MB model and build its lookup maps.
  const started = performance.now();
  const model = JSON.parse(readFileSync(new URL('../functions/core/triage/model.json', import.meta.url), 'utf8')) as Record<string, { weights: object; wordScores: object }>;
  for (const head of [model['complaint']!, model['reproach']!]) void [new Map(Object.entries(head.weights)), new Map(Object.entries(head.wordScores))];
  results.push({ name: 'triage: model load (cold start: parse + index)', value: performance.now() - started, unit: 'ms', floor: 300, better: 'lower' });
  const { classifyTriage } = await import('#core/triage/classifier.ts');
  // Real tweets to brands (varied words, real lengths) when the shared data is there; else the catalog's.
  const texts = existsSync(DATASET)
    ? loadDataset(DATASET).map((d) => d.text)
    : CATALOG.flatMap((e) => JSON.stringify(e.body).match(/"(?:text|message|full_text)":"([^"]{10,})"/g) ?? []).map((t) => t.split('":"')[1]!);
  for (let i = 0; i < 2000; i++) classifyTriage({ text: texts[i % texts.length]! });
  const rounds = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) classifyTriage({ text: texts[i % texts.length]!, author: { id: '1', followers: 500 }, channel: 'public' });
  results.push({ name: 'triage: classify one message (n-gram cues alone)', value: ((performance.now() - t0) * 1000) / rounds, unit: 'µs', floor: 300, better: 'lower' });
}

/** The sentence encoder, in a fresh process (bench/encoder-probe.ts): its own memory, load and per-message cost. */
function encoder() {
  const texts = existsSync(DATASET) ? loadDataset(DATASET).map((d) => d.text) : Array.from({ length: 900 }, (_, i) => `@brand my order ${i} never arrived and nobody answers`);
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./encoder-probe.ts', import.meta.url)), JSON.stringify(texts.slice(0, 900))], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const probe = JSON.parse(out.trim().split('\n').pop()!) as { loadMs: number; singleMs: number; batchMs: number; rssMB: number; peakMB: number };
  results.push({ name: 'encoder: load (cold start: weights, wasm, vocabulary)', value: probe.loadMs, unit: 'ms', floor: 1000, better: 'lower' });
  results.push({ name: 'encoder: embed + classify one message alone', value: probe.singleMs, unit: 'ms', floor: 30, better: 'lower' });
  results.push({ name: 'encoder: embed + classify, batches of 10 (an SQS batch)', value: probe.batchMs, unit: 'ms', floor: 30, better: 'lower' });
  results.push({ name: 'encoder: process peak memory (Lambda has 1,024 MB)', value: probe.peakMB, unit: 'MB', floor: 1024, better: 'lower' });
}

await triage();
encoder();
await intakeThroughput();
await twinLatency();

let failed = false;
for (const r of results) {
  const ok = r.better === 'lower' ? r.value <= r.floor : r.value >= r.floor;
  failed ||= !ok;
  console.log(`${ok ? 'ok  ' : 'SLOW'} ${r.name.padEnd(58)} ${r.value.toFixed(2).padStart(10)} ${r.unit.padEnd(4)} (floor ${r.better === 'lower' ? '≤' : '≥'} ${r.floor})`);
}
process.exit(failed ? 1 : 0);
