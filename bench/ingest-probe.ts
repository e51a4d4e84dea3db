// Run by bench/ingest.ts in a fresh process whose environment is the ingest function's (the twin's
// template values, its execution role, the twin's AWS endpoint): the real ingest handler, and a
// floor handler that does only what any receiver must (HMAC verify, JSON.parse, one
// SendMessageBatch) with the same client to the same emulator.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { signMeta, signX } from '../test/support/signing.ts';

import { readFileSync } from 'node:fs';

// The deliveries arrive on stdin (too large for an argument).
const { secret, bodies, metaSecret, metaBatch } = JSON.parse(readFileSync(0, 'utf8')) as {
  secret: string;
  bodies: string[];
  metaSecret: string;
  metaBatch: string;
};
const { handler } = (await import('../functions/handlers/ingest.ts')) as unknown as {
  handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<{ statusCode: number }>;
};
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const queueUrl = process.env['QUEUE_URL']!;
const context = (i: number) => {
  const deadline = Date.now() + 10_000; // the ingest function's timeout
  return { awsRequestId: `bench-${i}`, functionName: 'ingest', getRemainingTimeInMillis: () => deadline - Date.now() } as unknown as Context;
};
/** An HTTP API event for a webhook route, signed as the platform signs (test/support/signing.ts). */
const webhookEvent = (path: string, headers: Record<string, string>, body: string): APIGatewayProxyEventV2 =>
  ({
    routeKey: `POST ${path}`,
    rawPath: path,
    headers,
    requestContext: { http: { method: 'POST' }, requestId: 'r' },
    body,
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;
const xEvent = (body: string) => webhookEvent('/webhooks/x', { 'x-twitter-webhooks-signature': signX(secret, body) }, body);
const metaEvent = (body: string) =>
  webhookEvent('/webhooks/meta', { 'x-hub-signature-256': signMeta(metaSecret, body) }, body);

/** The floor: verify the HMAC over the raw bytes, parse, enqueue in one SendMessageBatch. */
async function floor(event: APIGatewayProxyEventV2) {
  const raw = Buffer.from(event.body!);
  const presented = Buffer.from(String(event.headers['x-twitter-webhooks-signature']).slice(7), 'base64');
  const expected = createHmac('sha256', secret).update(raw).digest();
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw new Error('bad signature');
  const parsed = JSON.parse(raw.toString('utf8')) as unknown;
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '0', MessageBody: JSON.stringify(parsed) }] }));
  return { statusCode: 200 };
}

/** Deliveries per second with `concurrency` in flight in this process. */
async function rate(run: (event: APIGatewayProxyEventV2, i: number) => Promise<{ statusCode: number }>, concurrency: number) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const { statusCode } = await run(xEvent(bodies[i]!), i);
        if (statusCode !== 200) throw new Error(`answered ${statusCode}`);
      }
    }),
  );
  return bodies.length / ((performance.now() - started) / 1000);
}

async function latencies(event: () => APIGatewayProxyEventV2, n: number) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const { statusCode } = await handler(event(), context(100_000 + i));
    if (statusCode !== 200) throw new Error(`answered ${statusCode}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n / 2)]!, p99: times[Math.min(n - 1, Math.floor(n * 0.99))]! };
}

// Warm both (JIT, connections, the secret's first read), then time them in rounds of alternating
// order (heed-floor, floor-heed, …): whichever runs first in a round measured ~12% slower, even floor
// against floor, and a drift of the machine (another process, the emulator's growing queue) weighs
// on both alike. Medians of the rounds.
const heed = (event: APIGatewayProxyEventV2, i: number) => handler(event, context(i));
await rate(heed, 4);
await rate(floor, 4);
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function compare(concurrency: number, rounds = 6) {
  const heedRates: number[] = [];
  const floorRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      heedRates.push(await rate(heed, concurrency));
      floorRates.push(await rate(floor, concurrency));
    } else {
      floorRates.push(await rate(floor, concurrency));
      heedRates.push(await rate(heed, concurrency));
    }
  }
  return { heed: median(heedRates), floor: median(floorRates) };
}
// As Lambda runs a function: one invocation at a time per execution environment (the budget's figure).
const oneEnvironment = await compare(1);
// Eight at once in one process, which no Lambda environment does: the process's CPU is the bottleneck,
// so this shows Heed's per-delivery CPU against the floor's.
const eightInOneProcess = await compare(8);
const single = await latencies(() => xEvent(bodies[0]!), 200);
const batch = await latencies(() => metaEvent(metaBatch), 50);
console.log(JSON.stringify({ oneEnvironment, eightInOneProcess, single, batch }));
