// End to end on the local twin (`npm run bench`, docs/PERFORMANCE.md): a signed X webhook until its
// complaint is visible through the API, one at a time (latency) and many in flight (sustained rate),
// beside the floor of the same emulators behind the same AWS gateway: a message sent to a queue,
// received, written to the table and read back (latency), and SendMessage + PutItem pairs (rate).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { complaintIdFor } from '#core/use-cases/complaint-id.ts';
import { stageResources } from '../lib/cli/stage-resources.ts';
import { startTwin, type Twin } from '../lib/local/twin.ts';
import { xTweet } from '../test/fixtures/deliveries.ts';
import { signX } from '../test/support/signing.ts';

export interface EndToEnd {
  /** Webhook POST until GET /complaints/{id} answers 200, ms, sorted. */
  latencies: number[];
  /** SendMessage → ReceiveMessage → PutItem → GetItem on the same emulators, ms, sorted. */
  floorLatencies: number[];
  /** Deliveries per second, from the first POST until the last complaint is visible. */
  rate: number;
  /** SendMessage + PutItem pairs per second, as many in flight. */
  floorRate: number;
}

const IN_FLIGHT = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task(i)` for i < n with `IN_FLIGHT` at a time. */
async function pool(n: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

/** One complaint per tweet: a different author each time, so none is threaded under another. */
function tweet(twin: Twin, n: number) {
  const id = String(1_950_000_000_000_000_000n + BigInt(n));
  const body = JSON.stringify(
    xTweet({ id, userId: String(7_000_000 + n), screenName: `bench_${n}`, text: `@brand order ${n} arrived broken and nobody answers. Terrible service` }),
  );
  return {
    complaintId: complaintIdFor('x', id),
    post: async () => {
      const response = await fetch(`${twin.url}/webhooks/x`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signX(twin.secrets.xConsumerSecret, body) },
        body,
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    },
  };
}

async function visible(twin: Twin, token: string, complaintId: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const response = await fetch(`${twin.url}/complaints/${complaintId}`, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    if (response.status === 200) return;
    await sleep(2);
  }
  throw new Error(`complaint ${complaintId} not visible in time`);
}

export async function endToEnd(samples = 60, burst = 400): Promise<EndToEnd> {
  const token = `heed-bench-${process.pid}`;
  const twin = await startTwin({ port: 0, apiToken: token, dataDir: mkdtempSync(path.join(tmpdir(), 'heed-e2e-bench-')), log: () => {} });
  try {
    const stage = stageResources({ HEED_DATA_DIR: twin.dataDir });
    const sqs = new SQSClient(stage.client);
    const dynamo = new DynamoDBClient(stage.client);
    const { QueueUrl: floorQueue } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-floor' }));

    const floorOnce = async (n: number) => {
      const started = performance.now();
      await sqs.send(new SendMessageCommand({ QueueUrl: floorQueue, MessageBody: `m${n}` }));
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: floorQueue, WaitTimeSeconds: 1 }));
      for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: floorQueue, ReceiptHandle: m.ReceiptHandle }));
      const key = { pk: { S: `BENCH#${n}` }, sk: { S: 'floor' } };
      await dynamo.send(new PutItemCommand({ TableName: stage.tableName, Item: { ...key, body: { S: `m${n}` } } }));
      await dynamo.send(new GetItemCommand({ TableName: stage.tableName, Key: key, ConsistentRead: true }));
      return performance.now() - started;
    };
    const heedOnce = async (n: number) => {
      const t = tweet(twin, n);
      const started = performance.now();
      await t.post();
      await visible(twin, token, t.complaintId, Date.now() + 60_000);
      return performance.now() - started;
    };
    // Warm-up: every function's first (cold) environment, the JIT.
    for (let n = 0; n < 5; n++) {
      await heedOnce(1_000_000 + n);
      await floorOnce(1_000_000 + n);
    }
    const latencies: number[] = [];
    const floorLatencies: number[] = [];
    for (let n = 0; n < samples; n++) {
      latencies.push(await heedOnce(n));
      floorLatencies.push(await floorOnce(n));
    }

    const tweets = Array.from({ length: burst }, (_, i) => tweet(twin, 2_000_000 + i));
    let started = performance.now();
    await pool(burst, (i) => tweets[i]!.post());
    for (const t of tweets) await visible(twin, token, t.complaintId, Date.now() + 300_000);
    const rate = burst / ((performance.now() - started) / 1000);

    started = performance.now();
    await pool(burst, async (n) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: floorQueue, MessageBody: `r${n}` }));
      await dynamo.send(
        new PutItemCommand({ TableName: stage.tableName, Item: { pk: { S: `BENCH#rate${n}` }, sk: { S: 'floor' } } }),
      );
    });
    const floorRate = burst / ((performance.now() - started) / 1000);
    sqs.destroy();
    dynamo.destroy();
    const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
    return { latencies: sorted(latencies), floorLatencies: sorted(floorLatencies), rate, floorRate };
  } finally {
    await twin.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await endToEnd(Number(process.argv[2] ?? 30), Number(process.argv[3] ?? 200));
  const p = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!.toFixed(1);
  console.log({ p50: p(r.latencies, 0.5), p99: p(r.latencies, 0.99), floorP50: p(r.floorLatencies, 0.5), floorP99: p(r.floorLatencies, 0.99), rate: r.rate.toFixed(1), floorRate: r.floorRate.toFixed(1) });
}
