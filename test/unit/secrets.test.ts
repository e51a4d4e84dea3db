import { describe, expect, it } from 'vitest';
import { type RejectedSecret, toWebhookSecrets } from '#adapters/secrets-manager-webhook-secrets.ts';
import type { WebhookRequest } from '#core/platforms/parser.ts';
import { secretProblem } from '#core/platforms/secret-policy.ts';
import type { WebhookSecrets } from '#core/ports.ts';
import type { SourceName } from '#core/sources.ts';
import { ingestDelivery } from '#core/use-cases/ingest-delivery.ts';
import { xTweet } from '../fixtures/deliveries.ts';
import { FixedClock, MemoryQueue, MemoryReplayGuard } from '../support/fakes.ts';
import { REVIEW_SECRETS, signX } from '../support/signing.ts';

const X_SECRET = 'kH3pZ9qL2mW8vR4tY7uJ1nB5cX0aS6dF9gH2jK4lP8oI3uE7wQ'; // 50 characters, as X issues
const WHSEC = `whsec_${Buffer.from('0123456789abcdefghijklmnopqrstuv').toString('base64')}`;

describe('the secret policy', () => {
  it.each([
    ['platform-issued', 'set-me', 'is a placeholder'],
    ['platform-issued', '', 'is empty'],
    ['platform-issued', '     ', 'is empty'],
    ['platform-issued', `${X_SECRET.slice(0, 20)} ${X_SECRET.slice(20)}`, 'white space'],
    ['platform-issued', 'correct-horse-battery', 'at least 32'],
    ['platform-issued', 'a'.repeat(50), 'too little variety'],
    ['verify-token', 'my-token', 'at least 16'],
    ['standard-webhooks', 'whsec_', 'not whsec_ followed by base64'],
    ['standard-webhooks', 'whsec_!!!!', 'not whsec_ followed by base64'],
    ['standard-webhooks', '====', 'not whsec_ followed by base64'],
    ['standard-webhooks', `whsec_${Buffer.from('short key').toString('base64')}`, 'decodes to 9 bytes'],
    ['url-token', 'trustpilot-hook-2026', 'at least 32'],
    ['url-token', `${X_SECRET.slice(0, 30)}/../${X_SECRET.slice(0, 10)}`, 'only letters, digits'],
    ['service-account', 'not an address', 'white space'],
    ['service-account', 'push@', 'not a service account'],
  ] as const)('refuses a %s secret %j', (kind, value, reason) => {
    expect(secretProblem(kind, value)).toContain(reason);
  });

  it('accepts secrets of the shape each platform issues', () => {
    expect(secretProblem('platform-issued', X_SECRET)).toBeNull();
    expect(secretProblem('platform-issued', '0f3a9c2e7b1d4f6a8c0e2b4d6f8a1c3e')).toBeNull(); // Meta: 32 hex
    expect(secretProblem('verify-token', 'Heed-verify-7Qk2Lm9x')).toBeNull();
    expect(secretProblem('standard-webhooks', WHSEC)).toBeNull();
    expect(secretProblem('url-token', 'Zx8_k2LmQ9-vR4tY7uJ1nB5cX0aS6dF9gH2jK4l')).toBeNull();
    expect(secretProblem('service-account', 'heed-push@my-project.iam.gserviceaccount.com')).toBeNull();
  });
});

describe('loading the secret document', () => {
  it('keeps strong values, leaves weak ones out and reports them without their value', () => {
    const rejected: RejectedSecret[] = [];
    const secrets = toWebhookSecrets(
      JSON.stringify({
        xConsumerSecret: [X_SECRET, 'set-me'],
        metaAppSecret: 'set-me',
        genericWebhookSecret: '====',
      }),
      (r) => rejected.push(r),
    );
    expect(secrets).toEqual({
      xConsumerSecret: [X_SECRET],
      metaAppSecret: [],
      metaVerifyToken: [],
      genericWebhookSecret: [],
      trustpilotUrlToken: [],
      googlePushAudience: [],
      googlePushServiceAccount: [],
    });
    expect(rejected.map((r) => [r.field, r.index])).toEqual([
      ['xConsumerSecret', 1],
      ['metaAppSecret', 0],
      ['genericWebhookSecret', 0],
    ]);
    expect(JSON.stringify(rejected)).not.toContain('set-me');
  });
});

describe('intake without a valid secret', () => {
  const none: WebhookSecrets = {
    xConsumerSecret: [],
    metaAppSecret: [],
    metaVerifyToken: [],
    genericWebhookSecret: [],
    ...REVIEW_SECRETS,
  };
  const request = (source: SourceName, extra: Partial<WebhookRequest>): WebhookRequest => ({
    source,
    method: 'POST',
    headers: {},
    query: {},
    pathParameters: {},
    rawBody: Buffer.alloc(0),
    ...extra,
  });

  it.each([
    ['an X delivery', request('x', { rawBody: Buffer.from(JSON.stringify(xTweet())) })],
    [
      'an X CRC',
      request('x', {
        method: 'GET',
        query: { crc_token: 'M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0' },
      }),
    ],
    [
      'a Meta handshake',
      request('meta', {
        method: 'GET',
        query: { 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': '' },
      }),
    ],
    [
      'a generic delivery',
      request('generic', {
        pathParameters: { sender: 'reviews' },
        rawBody: Buffer.from('{}'),
      }),
    ],
  ])('answers %s with 401 and raises the alarm signal', async (_, req) => {
    const missing: string[] = [];
    const queue = new MemoryQueue();
    const body = req.rawBody.toString();
    const signed = { ...req, headers: { 'x-twitter-webhooks-signature': signX('', body) } };
    await expect(
      ingestDelivery(signed, {
        queue,
        replayGuard: new MemoryReplayGuard(),
        secrets: async () => none,
        clock: new FixedClock(new Date('2026-11-23T10:00:00Z')),
        maxBodyBytes: 1 << 20,
        deliveryId: 'd',
        onSecretMissing: (route) => missing.push(route),
      }),
    ).rejects.toMatchObject({ status: 401 });
    expect(missing).toEqual([req.source]);
    expect(queue.events).toEqual([]);
  });
});
