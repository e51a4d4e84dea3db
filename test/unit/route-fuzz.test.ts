import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dispatchApi } from '#api/dispatch.ts';
import { API_ROUTES, type ApiDeps } from '#api/routes.ts';
import { DomainError } from '#core/model/errors.ts';
import { DEFAULT_SLA_POLICY } from '#core/sla/policy.ts';
import type { SourceName } from '#core/sources.ts';
import { ingestDelivery } from '#core/use-cases/ingest-delivery.ts';
import { CATALOG } from '../fixtures/deliveries.ts';
import {
  complaint,
  FixedClock,
  MemoryQueue,
  MemoryReplayGuard,
  MemoryStore,
  MemoryTimers,
  RECEIVED,
} from '../support/fakes.ts';
import { REVIEW_SECRETS, signGeneric, signMeta, signX } from '../support/signing.ts';

/**
 * Every route, fuzzed at the layer that decides the HTTP status (the handlers only map a DomainError
 * to its status and anything else to 500): random and mutated bodies, headers, query strings and
 * signatures. Never a 5xx (an error that is not a 4xx DomainError), never an unverified delivery
 * enqueued, never a replayed Standard Webhooks message id processed twice. ROUTE_FUZZ_RUNS cases per
 * property (`npm run fuzz` runs 50,000 each: 100,000 in all).
 */
const RUNS = Number(process.env['ROUTE_FUZZ_RUNS'] ?? 1500);
const NOW = new Date('2026-11-23T10:00:00Z');
const GENERIC_SECRET = `whsec_${Buffer.from('generic-fuzz-secret-of-32-bytes!!').toString('base64')}`;
const secrets = {
  xConsumerSecret: ['x-fuzz-secret'],
  metaAppSecret: ['meta-fuzz-secret'],
  metaVerifyToken: ['verify-fuzz-token'],
  genericWebhookSecret: [GENERIC_SECRET],
  ...REVIEW_SECRETS,
};

/** A 4xx answer is a DomainError under 500; anything else would be a 5xx. */
function expectClientError(error: unknown) {
  if (!(error instanceof DomainError) || error.status >= 500) throw error;
}

/** Valid deliveries, and the same with one leaf changed, dropped or retyped. */
const validBodies = CATALOG.map((entry) => ({ route: entry.route, body: entry.body }));
const mutatedJson = fc
  .tuple(fc.constantFrom(...validBodies), fc.jsonValue(), fc.nat(), fc.boolean())
  .map(([{ route, body }, replacement, pick, drop]) => {
    const copy = structuredClone(body) as Record<string, unknown>;
    const paths: [Record<string, unknown> | unknown[], string | number][] = [];
    const walk = (node: unknown) => {
      if (node && typeof node === 'object')
        for (const [key, value] of Object.entries(node)) {
          paths.push([node as Record<string, unknown>, Array.isArray(node) ? Number(key) : key]);
          walk(value);
        }
    };
    walk(copy);
    const [parent, key] = paths[pick % paths.length]!;
    if (drop && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
    else (parent as Record<string | number, unknown>)[key] = replacement;
    return { route, text: JSON.stringify(copy) };
  });
const anyBody = fc.oneof(
  mutatedJson,
  fc.constantFrom(...validBodies).map(({ route, body }) => ({ route, text: JSON.stringify(body) })),
  fc.record({ route: fc.constantFrom('x', 'meta', 'generic/reviews'), text: fc.json() }),
  fc.record({ route: fc.constantFrom('x', 'meta', 'generic/reviews'), text: fc.string({ maxLength: 300 }) }),
);

describe('webhook routes under fuzzing', () => {
  it('never 5xx, never enqueue what is not verified, never process a replayed message id twice', async () => {
    const replayGuard = new MemoryReplayGuard();
    const processedIds = new Set<string>();
    const seen = { accepted: 0, refused: 0, replays: 0 };
    await fc.assert(
      fc.asyncProperty(
        anyBody,
        fc.constantFrom('POST', 'POST', 'POST', 'GET'),
        fc.constantFrom('valid', 'valid', 'garbage', 'other-body', 'absent'),
        fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 60 }), { maxKeys: 4 }),
        fc.dictionary(
          fc.constantFrom('crc_token', 'hub.mode', 'hub.verify_token', 'hub.challenge', 'x'),
          fc.string({ maxLength: 140 }),
          { maxKeys: 4 },
        ),
        fc.constantFrom('msg_a', 'msg_b', 'msg_c', 'msg_d'),
        fc.integer({ min: -600, max: 600 }),
        async ({ route, text }, method, signing, extraHeaders, query, messageId, skew) => {
          const [source, sender] = route.split('/') as [SourceName, string | undefined];
          const timestamp = Math.floor(NOW.getTime() / 1000) + skew;
          const signed = (body: string): Record<string, string> =>
            source === 'x'
              ? { 'x-twitter-webhooks-signature': signX(secrets.xConsumerSecret[0]!, body) }
              : source === 'meta'
                ? { 'x-hub-signature-256': signMeta(secrets.metaAppSecret[0]!, body) }
                : {
                    'webhook-id': messageId,
                    'webhook-timestamp': String(timestamp),
                    'webhook-signature': signGeneric(GENERIC_SECRET, messageId, timestamp, body),
                  };
          const headers: Record<string, string> = {
            ...Object.fromEntries(Object.entries(extraHeaders).map(([k, v]) => [k.toLowerCase(), v])),
            ...(signing === 'valid' ? signed(text) : {}),
            ...(signing === 'other-body' ? signed(`${text} `) : {}),
            ...(signing === 'garbage'
              ? {
                  'x-twitter-webhooks-signature': 'sha256=AAAA',
                  'x-hub-signature-256': 'sha256=00',
                  'webhook-signature': 'v1,AAAA',
                }
              : {}),
          };
          const queue = new MemoryQueue();
          let outcome: Awaited<ReturnType<typeof ingestDelivery>> | undefined;
          try {
            outcome = await ingestDelivery(
              {
                source,
                method,
                headers,
                query,
                pathParameters: sender ? { sender } : {},
                rawBody: Buffer.from(text),
              },
              {
                queue,
                replayGuard,
                secrets: async () => secrets,
                clock: new FixedClock(NOW),
                maxBodyBytes: 1 << 20,
                deliveryId: 'fuzz',
              },
            );
            seen.accepted++;
            if (outcome.kind === 'accepted' && outcome.duplicate) seen.replays++;
          } catch (error) {
            expectClientError(error);
            seen.refused++;
          }
          if (signing !== 'valid') expect(queue.events).toEqual([]);
          if (source === 'generic' && outcome?.kind === 'accepted' && queue.events.length > 0) {
            const key = `${sender}/${headers['webhook-id']}`;
            expect(processedIds.has(key), `message id ${key} processed twice`).toBe(false);
            processedIds.add(key);
          }
        },
      ),
      { numRuns: RUNS },
    );
    // The fuzzer reached both sides of the gate, and the replay guard.
    expect(seen.accepted).toBeGreaterThan(RUNS / 10);
    expect(seen.refused).toBeGreaterThan(RUNS / 10);
    expect(seen.replays).toBeGreaterThan(0);
  });
});

describe('API routes under fuzzing', () => {
  const routeKeys = [...Object.keys(API_ROUTES), 'GET /nowhere', 'DELETE /complaints/{id}'];
  it('never 5xx on any route, id, query or body', async () => {
    const deps: ApiDeps = {
      store: new MemoryStore(),
      timers: new MemoryTimers(),
      clock: new FixedClock(new Date(Date.parse(RECEIVED) + 600_000)),
      policy: DEFAULT_SLA_POLICY,
      onWarning: () => {},
    };
    const known = 'c_00000000000000000000000001';
    await deps.store.create(complaint({ id: known }), []);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routeKeys),
        fc.oneof(fc.constant(known), fc.string({ maxLength: 40 })),
        fc.dictionary(
          fc.constantFrom('status', 'platform', 'author', 'limit', 'cursor', 'corrected', 'x'),
          fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('open', 'x', '5', '0', 'true', 'x:1')),
          { maxKeys: 5 },
        ),
        fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.constant(''), fc.constant('{"kind":"praise"}')),
        async (routeKey, id, query, body) => {
          try {
            const result = await dispatchApi(
              {
                routeKey,
                rawPath: '/',
                pathParameters: routeKey.includes('{id}') ? { id } : undefined,
                queryStringParameters: query,
                body,
                isBase64Encoded: false,
                headers: {},
                requestContext: { authorizer: { jwt: { claims: { sub: 'fuzzer' }, scopes: [] } } },
              } as never,
              deps,
            );
            expect(result.statusCode).toBeLessThan(500);
          } catch (error) {
            expectClientError(error);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
