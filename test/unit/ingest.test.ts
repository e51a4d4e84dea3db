import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNHANDLED_EVENT } from '#core/model/interaction.ts';
import type { WebhookRequest } from '#core/platforms/parser.ts';
import { describeShape } from '#core/platforms/shape.ts';
import type { SourceName } from '#core/sources.ts';
import { ingestDelivery } from '#core/use-cases/ingest-delivery.ts';
import { metaPageComment, xTweet } from '../fixtures/deliveries.ts';
import { FixedClock, MemoryQueue, MemoryReplayGuard } from '../support/fakes.ts';
import { REVIEW_SECRETS, signedHeaders, signMeta, signX } from '../support/signing.ts';

const secrets = {
  xConsumerSecret: ['x-secret'],
  metaAppSecret: ['meta-secret'],
  metaVerifyToken: ['v'],
  genericWebhookSecret: [`whsec_${Buffer.from('0123456789abcdefghijklmnopqrstuv').toString('base64')}`],
  ...REVIEW_SECRETS,
};

const platformSecrets = {
  xConsumerSecret: 'x-secret',
  metaAppSecret: 'meta-secret',
  genericWebhookSecret: '',
};

function deps(queue = new MemoryQueue()) {
  return {
    queue,
    replayGuard: new MemoryReplayGuard(),
    secrets: async () => secrets,
    clock: new FixedClock(new Date('2026-11-23T10:00:00Z')),
    maxBodyBytes: 4096,
    deliveryId: 'req-1',
  };
}
function post(platform: string, body: string, headers: Record<string, string>): WebhookRequest {
  return {
    source: platform as SourceName,
    method: 'POST',
    headers,
    query: {},
    pathParameters: {},
    rawBody: Buffer.from(body),
  };
}

describe('ingestDelivery', () => {
  it('enqueues one event per message with a traceable delivery id', async () => {
    const queue = new MemoryQueue();
    const body = JSON.stringify(xTweet());
    const outcome = await ingestDelivery(
      post('x', body, { 'x-twitter-webhooks-signature': signX('x-secret', body) }),
      deps(queue),
    );
    expect(outcome).toEqual({ kind: 'accepted', enqueued: 1, ignored: [] });
    expect(queue.events[0]).toMatchObject({
      v: 1,
      platform: 'x',
      type: 'tweet_create',
      deliveryId: 'req-1:0',
      receivedAt: '2026-11-23T10:00:00.000Z',
    });
  });

  it.each([
    [
      'a wrong signature',
      'x',
      JSON.stringify(xTweet()),
      { 'x-twitter-webhooks-signature': 'sha256=AAAA' },
      401,
    ],
    [
      'malformed JSON',
      'meta',
      '{"object":',
      { 'x-hub-signature-256': signMeta('meta-secret', '{"object":') },
      400,
    ],
    ['an oversize body', 'x', 'x'.repeat(5000), {}, 413],
  ])('rejects %s with %i and enqueues nothing', async (_, platform, body, headers, status) => {
    const queue = new MemoryQueue();
    await expect(ingestDelivery(post(platform, body, headers), deps(queue))).rejects.toMatchObject({
      status,
    });
    expect(queue.events).toEqual([]);
  });

  it.each([
    ['an unknown Meta object', 'meta', '{"object":"ads","entry":[]}', ['meta:ads']],
    ['a body that is no Meta envelope', 'meta', '{"hello":"world"}', ['meta:unrecognized']],
    ['an unknown X form', 'x', '{"hello":"world"}', ['x:unrecognized']],
  ])(
    'accepts %s (signed, JSON) with 200 and keeps it whole for heed reprocess',
    async (_, platform, body, ignored) => {
      const queue = new MemoryQueue();
      const headers: Record<string, string> =
        platform === 'x'
          ? { 'x-twitter-webhooks-signature': signX('x-secret', body) }
          : { 'x-hub-signature-256': signMeta('meta-secret', body) };
      const outcome = await ingestDelivery(post(platform, body, headers), deps(queue));
      expect(outcome).toEqual({ kind: 'accepted', enqueued: 0, ignored });
      expect(queue.events).toEqual([
        expect.objectContaining({
          type: UNHANDLED_EVENT,
          deliveryId: 'req-1:unhandled',
          payload: { source: platform, ignored, body: JSON.parse(body) },
        }),
      ]);
    },
  );

  it('splits a batched Meta delivery', async () => {
    const batch = structuredClone(metaPageComment);
    batch.entry.push(structuredClone(batch.entry[0]!));
    batch.entry[1]!.changes[0]!.value.comment_id = 'another';
    const body = JSON.stringify(batch);
    const queue = new MemoryQueue();
    await ingestDelivery(
      post('meta', body, { 'x-hub-signature-256': signMeta('meta-secret', body) }),
      deps(queue),
    );
    expect(queue.events.map((e) => e.deliveryId)).toEqual(['req-1:0', 'req-1:1']);
  });

  it('propagates an enqueue failure so the platform retries', async () => {
    const body = JSON.stringify(xTweet());
    const failing = { ...deps(), queue: { enqueue: async () => Promise.reject(new Error('SQS down')) } };
    await expect(
      ingestDelivery(post('x', body, { 'x-twitter-webhooks-signature': signX('x-secret', body) }), failing),
    ).rejects.toThrow('SQS down');
  });

  it('never answers a CRC challenge with a signature that a POST would accept (no signing oracle)', async () => {
    const jsonDelivery = JSON.stringify(xTweet());
    const token = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.stringMatching(/^[A-Za-z0-9+/_-]{16,128}={0,2}$/),
      fc.constantFrom(jsonDelivery, `${'1'.repeat(20)}`, '1234567890123456e10', 'true'),
      fc.json().filter((j) => j.length >= 16),
    );
    await fc.assert(
      fc.asyncProperty(token, async (crcToken) => {
        const answer = await ingestDelivery(
          {
            method: 'GET',
            headers: {},
            query: { crc_token: crcToken },
            source: 'x',
            pathParameters: {},
            rawBody: Buffer.alloc(0),
          },
          deps(),
        ).catch(() => null);
        if (answer?.kind !== 'handshake') return; // refused: nothing signed
        const signature = (JSON.parse(answer.response.body) as { response_token: string }).response_token;
        const queue = new MemoryQueue();
        const replay = ingestDelivery(
          post('x', crcToken, { 'x-twitter-webhooks-signature': signature }),
          deps(queue),
        );
        await expect(replay).rejects.toMatchObject({ status: 400 });
        expect(queue.events).toEqual([]);
      }),
    );
    // The attack as reported: asking the CRC endpoint to "answer" a delivery is refused outright.
    await expect(
      ingestDelivery(
        {
          method: 'GET',
          headers: {},
          query: { crc_token: jsonDelivery },
          source: 'x',
          pathParameters: {},
          rawBody: Buffer.alloc(0),
        },
        deps(),
      ),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('processes a Standard Webhooks message id once, and still takes a retry whose first attempt failed', async () => {
    const body = JSON.stringify({ id: 'r-1', author: { id: 'a' }, text: 'still broken' });
    const at = Math.floor(new Date('2026-11-23T10:00:00Z').getTime() / 1000);
    const headers = signedHeaders(
      'generic/reviews',
      { ...platformSecrets, genericWebhookSecret: secrets.genericWebhookSecret[0]! },
      body,
      {
        nowSeconds: at,
        messageId: 'msg_1',
      },
    );
    const request = {
      ...post('generic', body, headers),
      pathParameters: { platform: 'generic', source: 'reviews' },
    };
    const replayGuard = new MemoryReplayGuard();
    const failing = { enqueue: async () => Promise.reject(new Error('SQS down')) };
    await expect(ingestDelivery(request, { ...deps(), replayGuard, queue: failing })).rejects.toThrow(
      'SQS down',
    );
    const queue = new MemoryQueue();
    expect(await ingestDelivery(request, { ...deps(queue), replayGuard })).toMatchObject({ enqueued: 1 });
    expect(await ingestDelivery(request, { ...deps(queue), replayGuard })).toMatchObject({
      enqueued: 0,
      duplicate: true,
    });
    expect(queue.events).toHaveLength(1);
  });

  it('answers 404 for a generic sender name that is not one', async () => {
    const request = { ...post('generic', '{}', {}), pathParameters: { sender: '../x' } };
    await expect(ingestDelivery(request, deps())).rejects.toMatchObject({ status: 404 });
  });
});

describe('describeShape', () => {
  it('logs the structure of a rejected delivery, never its words', () => {
    const shape = describeShape({
      text: 'my card number is 4111',
      list: [1, 2, 3, 4, 5],
      nested: { a: null },
    });
    expect(shape).toEqual({
      text: 'string(22)',
      list: ['number', 'number', 'number', '…2 more'],
      nested: { a: null },
    });
    expect(JSON.stringify(shape)).not.toContain('4111');
    expect(describeShape({ a: { b: { c: { d: { e: 1 } } } } })).toEqual({
      a: { b: { c: { d: 'object(1 keys)' } } },
    });
  });
});
