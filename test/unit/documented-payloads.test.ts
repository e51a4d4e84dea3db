import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PoisonEvent } from '#core/model/errors.ts';
import { type QueuedEvent, REVOCATION_EVENT, UNHANDLED_EVENT } from '#core/model/interaction.ts';
import type { SourceName } from '#core/sources.ts';
import { ingestDelivery } from '#core/use-cases/ingest-delivery.ts';
import { processEvent } from '#core/use-cases/process-event.ts';
import {
  FixedClock,
  MemoryOperationsPager,
  MemoryQueue,
  MemoryRawArchive,
  MemoryReplayGuard,
  MemoryStore,
  MemoryTimers,
  processDeps,
} from '../support/fakes.ts';
import { REVIEW_SECRETS, signX } from '../support/signing.ts';

/**
 * Every example payload in the platforms' own documentation (test/fixtures/platform-docs, copied
 * verbatim with their source) is answered 2xx, and what it carries ends where it should: a message
 * stored, a revocation paged, anything else kept for `heed reprocess`.
 */
interface DocExamples {
  source: string;
  examples: { title: string | null; body: Record<string, unknown> }[];
}
const load = (name: string): DocExamples =>
  JSON.parse(
    readFileSync(path.join(import.meta.dirname, '../fixtures/platform-docs', `${name}.json`), 'utf8'),
  );

const NOW = new Date('2026-07-24T21:30:00Z');
const SECRET = 'x-consumer-secret-for-docs';

/** What each documented example must become (by its title in the page). */
const EXPECTED: Record<string, 'message' | 'revocation' | 'kept' | 'poison' | 'delete'> = {
  // X Activity API
  'post.create': 'message',
  'post.mention.create': 'message',
  'post.reply.create': 'message',
  'post.quote.create': 'message',
  'post.delete': 'delete',
  'chat.received': 'message',
  'chat.sent': 'message',
  'dm.sent': 'message',
  'dm.received': 'message',
  'oauth.revoke': 'revocation',
  // Account Activity API
  user_event: 'revocation',
  direct_message_events: 'message',
  tweet_delete_events: 'delete',
};

async function run(source: SourceName, body: unknown) {
  const text = JSON.stringify(body);
  const queue = new MemoryQueue();
  const outcome = await ingestDelivery(
    {
      source,
      method: 'POST',
      headers: { 'x-twitter-webhooks-signature': signX(SECRET, text) },
      query: {},
      pathParameters: {},
      rawBody: Buffer.from(text),
    },
    {
      queue,
      replayGuard: new MemoryReplayGuard(),
      secrets: async () => ({
        xConsumerSecret: [SECRET],
        metaAppSecret: [],
        metaVerifyToken: [],
        genericWebhookSecret: [],
        ...REVIEW_SECRETS,
      }),
      clock: new FixedClock(NOW),
      maxBodyBytes: 1 << 20,
      deliveryId: 'doc',
    },
  );
  const store = new MemoryStore();
  const archive = new MemoryRawArchive();
  const operations = new MemoryOperationsPager();
  const deps = processDeps({
    store,
    archive,
    operations,
    timers: new MemoryTimers(),
    clock: new FixedClock(NOW),
  });
  const results: string[] = [];
  for (const event of queue.events as QueuedEvent[]) {
    try {
      results.push(...(await processEvent(event, deps)).map((o) => o.result));
    } catch (error) {
      expect(error).toBeInstanceOf(PoisonEvent);
      results.push('poison');
    }
  }
  return { outcome, queue, store, archive, operations, results };
}

describe.each([
  ['x-activity-api', 'x'],
  ['x-account-activity', 'x'],
] as const)('documented %s examples', (file, source) => {
  const { examples } = load(file);
  it('are all in the fixtures (the docs page was read)', () => expect(examples.length).toBeGreaterThan(3));

  it.each(examples.map((e, i) => [e.title ?? `example ${i + 1} (the envelope)`, e.body] as const))(
    '%s is accepted (200) and handled as documented',
    async (title, body) => {
      const { outcome, queue, store, archive, operations, results } = await run(source, body);
      expect(outcome.kind).toBe('accepted');
      const expected = EXPECTED[title] ?? (title.includes('envelope') ? 'poison' : 'kept');
      if (expected === 'message') {
        // A customer's message is stored; the brand's own (dm.sent, chat.sent, post.create) is a brand reply.
        expect(results.filter((r) => r === 'created' || r === 'brand-reply')).toHaveLength(1);
        expect(store.items.size).toBe(results.includes('created') ? 1 : 0);
      }
      if (expected === 'delete') expect(results).toContain('deleted');
      if (expected === 'revocation') {
        expect(queue.events.map((e) => e.type)).toContain(REVOCATION_EVENT);
        expect(operations.pages).toHaveLength(1);
        expect(operations.pages[0]!.subject).toMatch(/Intake from X account \d+ has stopped/);
      }
      if (expected === 'kept') {
        expect(queue.events.map((e) => e.type)).toEqual([UNHANDLED_EVENT]);
        expect([...archive.unhandled.values()]).toHaveLength(1);
      }
      // The documentation's bare envelope has an empty payload: accepted, then the DLQ with a reason.
      if (expected === 'poison') expect(results).toEqual(['poison']);
    },
  );
});

describe('an X Activity API direct message, as documented', () => {
  it('is stored with its text, sender and the sender’s name from the users map', async () => {
    const dm = load('x-activity-api').examples.find((e) => e.title === 'dm.received')!;
    const { store } = await run('x', dm.body);
    const [stored] = [...store.items.values()].map((i) => i.complaint);
    expect(stored).toMatchObject({
      platform: 'x',
      channel: 'private',
      externalId: 'dm:2080765901528535096',
      text: 'hello!',
      author: { id: '2222222222222222222', handle: 'OtherUser', followers: 97 },
    });
  });
});
