import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Complaint } from '#core/model/complaint.ts';
import { redrive, reprocess } from '../../lib/cli/queue-tools.ts';
import { stageResources } from '../../lib/cli/stage-resources.ts';
import { queuedTweet, xTweet } from '../fixtures/deliveries.ts';
import { eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

// The operator's promises, on the twin: a revocation pages ops; a poison message reaches the DLQ
// with its reason (and the platform got 200); `heed redrive` empties the DLQ and what it moves is
// processed once; `heed reprocess` finds the deliveries kept unhandled.
let t: TestTwin;
let sqs: SQSClient;
const stage = () => stageResources({ HEED_DATA_DIR: t.twin.dataDir });
const docs = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '../fixtures/platform-docs/x-activity-api.json'), 'utf8'),
) as { examples: { title: string; body: unknown }[] };

beforeAll(async () => {
  t = await startTestTwin();
  sqs = new SQSClient({ ...stage().client, useQueueUrlAsEndpoint: false });
});
afterAll(async () => {
  await t?.stop();
});

async function drainDlq() {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: stage().deadLetterQueueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 1,
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
}

describe('operations on the twin', () => {
  it('pages operations when X revokes the app (oauth.revoke, as documented), after answering 200', async () => {
    const revoke = docs.examples.find((e) => e.title === 'oauth.revoke')!.body;
    expect((await t.postX(revoke)).status).toBe(200);
    await eventually(
      () => t.outbox().some((l) => /Intake from X account 1111111111111111111 has stopped/.test(l.subject)),
      10_000,
      'the ops page',
    );
  });

  it('answers 200 to a signed delivery with a malformed event, and dead-letters it with the reason', async () => {
    const broken = xTweet({ id: '1860000000000000001' });
    delete (broken.tweet_create_events[0] as { user?: unknown }).user;
    expect((await t.postX(broken)).status).toBe(200);
    const dead = await eventually(
      async () => {
        const messages = await drainDlq();
        return messages.length > 0 && messages;
      },
      15_000,
      'the DLQ message',
    );
    expect(dead[0]!.MessageAttributes?.['reason']?.StringValue).toMatch(
      /x tweet_create event cannot be normalized: user/,
    );
    // Redriven, it fails the same way and is back in the DLQ: a poison never loops on the main queue.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await redrive([], stage())).toBe(1);
    await eventually(async () => (await drainDlq()).length === 1, 15_000, 'the poison back in the DLQ');
  });

  it('heed redrive moves what failed during an outage back, and it is processed exactly once', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    await redrive([], stage()); // leaves the DLQ empty (the poison goes round once more)
    await new Promise((r) => setTimeout(r, 1500));
    // As if it had failed maxReceiveCount times while DynamoDB was down.
    const event = queuedTweet(
      new Date(),
      '1860000000000000002',
      '@brand my card was charged twice, fix it now',
    );
    for (let i = 0; i < 2; i++)
      await sqs.send(
        new SendMessageCommand({ QueueUrl: stage().deadLetterQueueUrl, MessageBody: JSON.stringify(event) }),
      );
    const moved = await redrive([], stage());
    expect(moved).toBeGreaterThanOrEqual(2);
    await eventually(
      async () =>
        (await t.json<{ items: Complaint[] }>('/complaints?limit=100')).items.some(
          (c) => c.externalId === '1860000000000000002',
        ),
      15_000,
      'the redriven complaint',
    );
    const all = (await t.json<{ items: Complaint[] }>('/complaints?limit=100')).items;
    expect(all.filter((c) => c.externalId === '1860000000000000002')).toHaveLength(1);
  });

  it('keeps a delivery Heed does not handle, and heed reprocess finds it', async () => {
    const like = docs.examples.find((e) => e.title === 'like.create')!.body;
    const response = await t.postX(like);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 0, ignored: 1 });
    const logs: string[] = [];
    const log = console.log;
    console.log = (line: string) => logs.push(line);
    try {
      await eventually(
        async () => {
          logs.length = 0;
          await reprocess(['--source', 'x'], stage());
          return /x: [1-9]\d* kept deliveries/.test(logs.join('\n'));
        },
        10_000,
        'the kept delivery',
      );
    } finally {
      console.log = log;
    }
    expect(logs.join('\n')).toMatch(/still unhandled/);
  });
});
