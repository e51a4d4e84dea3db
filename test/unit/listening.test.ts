import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  entryKey,
  FEED_ENTRY_EVENT,
  type FeedEntry,
  FeedSpec,
  normalizeFeedEntry,
  plainText,
  unwrapLink,
} from '#core/listening/feeds.ts';
import { newerId, SearchPage, searchEvents, searchQuery, XSearchSpec } from '#core/listening/x-search.ts';
import type { QueuedEvent } from '#core/model/interaction.ts';
import { xParser } from '#core/platforms/x/index.ts';
import type { FeedFetcher, ListeningCheckpoint, ListeningCheckpoints, XSearchApi } from '#core/ports.ts';
import { mentionedTerm } from '#core/triage/relevance.ts';
import { classifyTriage } from '#core/triage/shipped.ts';
import { backoffMs, FAILING_ALARM_MS, pollFeed, pollXSearch } from '#core/use-cases/listen.ts';
import { FixedClock, MemoryQueue, queuedEvent } from '../support/fakes.ts';

const NOW = new Date('2026-12-05T08:00:00Z');
const FEED = FeedSpec.parse({
  id: 'alerts',
  url: 'https://www.google.com/alerts/feeds/1/2',
  brand: 'Acme Air',
  keywords: ['#acmeair'],
  label: 'google-alerts',
  defaultSeverity: 'medium',
});
const queued = (type: string, payload: unknown, platform: QueuedEvent['platform'] = 'web') =>
  queuedEvent(platform, type, payload, NOW);

/** Honours the port: what is put is what is read back, and nothing else. */
class MemoryCheckpoints implements ListeningCheckpoints {
  items = new Map<string, ListeningCheckpoint>();
  async get(id: string) {
    return structuredClone(this.items.get(id) ?? {});
  }
  async put(id: string, checkpoint: ListeningCheckpoint) {
    this.items.set(id, JSON.parse(JSON.stringify(checkpoint)));
  }
}

describe('relevance: does a listened message speak of the brand?', () => {
  it.each([
    ['Acme Air lost my bag', 'Acme Air'],
    ['flying #acmeair again, never again', '#acmeair'],
    ["@AcmeAir's support is useless", 'acmeair'],
    ['ACME AIR, seriously?', 'Acme Air'],
    ['Café Crème ruined my morning', 'cafe creme'],
  ])('%s names %s', (text, term) => expect(mentionedTerm(text, [term])).toBe(term));
  it.each([
    ['Acmeville airport is a mess', 'Acme'],
    ['my acmeairline booking', 'acmeair'],
    ['nothing to see', 'Acme'],
  ])('%s does not name %s', (text, term) => expect(mentionedTerm(text, [term])).toBeUndefined());
  it('never throws, and finds a term written verbatim between spaces', () => {
    fc.assert(
      fc.property(fc.string(), fc.stringMatching(/^[a-z]{2,10}$/), (text, term) => {
        mentionedTerm(text, [term]);
        expect(mentionedTerm(`${text} ${term} ${text}`.replace(/[\p{L}\p{N}]+$/u, ''), [term])).toBeDefined();
      }),
    );
  });
});

describe('triage of listened messages and reviews', () => {
  const angry = 'the refund never came and nobody answers, a total disgrace';
  it('starts no clock for a complaint that names none of the brand’s terms', () => {
    const triage = classifyTriage({ text: angry, addressed: false, about: ['Acme Air'] });
    expect(triage.kind).toBe('other');
    expect(triage.reasons.join(' ')).toMatch(/names none of "Acme Air"/);
    const relevant = classifyTriage({ text: `Acme Air: ${angry}`, addressed: false, about: ['Acme Air'] });
    expect(relevant.kind).toBe('complaint');
    expect(relevant.reasons).toContain('listening: mentions "Acme Air"');
  });
  it('takes 1–2 stars as a complaint whatever the words, and leaves 3–5 stars to the words', () => {
    expect(classifyTriage({ text: 'ok', rating: 1 }).kind).toBe('complaint');
    expect(classifyTriage({ text: 'fine', rating: 2 }).kind).toBe('complaint');
    expect(classifyTriage({ text: 'lovely crew, great flight', rating: 5 }).kind).not.toBe('complaint');
    expect(classifyTriage({ text: angry, rating: 3 }).kind).toBe('complaint');
  });
  it('raises a complaint to the source’s least severity, never lowers it', () => {
    expect(classifyTriage({ text: `Acme Air ${angry}`, minimumSeverity: 'critical' }).severity).toBe(
      'critical',
    );
    expect(classifyTriage({ text: 'lovely crew', minimumSeverity: 'critical' }).severity).not.toBe(
      'critical',
    );
  });
});

describe('feed entries', () => {
  it('reads Google Alerts’ HTML titles and redirect links', () => {
    expect(plainText('<b>Acme Air</b> strands &amp; ignores passengers')).toBe(
      'Acme Air strands & ignores passengers',
    );
    expect(unwrapLink('https://www.google.com/url?rct=j&sa=t&url=https://news.example/a%3Fb%3D1&ct=ga')).toBe(
      'https://news.example/a?b=1',
    );
    expect(unwrapLink('https://blog.example/post')).toBe('https://blog.example/post');
    expect(unwrapLink('javascript:alert(1)')).toBeUndefined();
    expect(unwrapLink('not a url')).toBeUndefined();
  });
  it('keys an entry by id, else link, else title, the same on every poll', () => {
    const entry: FeedEntry = {
      id: 'tag:google.com,2013:googlealerts/feed:1',
      url: 'https://a.example',
      title: 'T',
    };
    expect(entryKey(entry)).toBe(entryKey({ ...entry, title: 'changed' }));
    expect(entryKey({ url: 'https://a.example' })).toBe(entryKey({ url: 'https://a.example', title: 'x' }));
    expect(entryKey({})).toBeUndefined();
  });
  it('normalizes an entry as a public, unaddressed message about the brand’s terms', () => {
    const [interaction] = normalizeFeedEntry(
      queued(FEED_ENTRY_EVENT, {
        feed: FEED,
        entry: {
          id: 'e1',
          url: 'https://www.google.com/url?url=https://news.example/x',
          title: '<b>Acme Air</b> chaos',
          body: 'Passengers stranded.',
          published: '2026-12-05T07:00:00Z',
        },
      }),
    );
    expect(interaction).toMatchObject({
      platform: 'web',
      channel: 'public',
      externalId: `alerts:${entryKey({ id: 'e1' })}`,
      text: 'Acme Air chaos\nPassengers stranded.',
      permalink: 'https://news.example/x',
      addressed: false,
      about: ['Acme Air', '#acmeair'],
      minimumSeverity: 'medium',
      createdAt: '2026-12-05T07:00:00.000Z',
      author: { handle: 'google-alerts' },
    });
  });
  it('is poison without any identity', () => {
    expect(() => normalizeFeedEntry(queued(FEED_ENTRY_EVENT, { feed: FEED, entry: {} }))).toThrow(/no id/);
  });
});

describe('polling a feed', () => {
  const entries: FeedEntry[] = [
    { id: 'new', title: 'Acme Air lost my bag', published: '2026-12-05T07:30:00Z' },
    { id: 'old', title: 'Acme Air years ago', published: '2026-11-01T00:00:00Z' },
  ];
  const setup = () => {
    const responses: Awaited<ReturnType<FeedFetcher['fetch']>>[] = [];
    const seen: { etag?: string; lastModified?: string }[] = [];
    let failWith: Error | undefined;
    const fetcher: FeedFetcher = {
      fetch: async (_url, validators) => {
        seen.push(validators);
        if (failWith) throw failWith;
        return responses.shift() ?? { status: 'not-modified' };
      },
    };
    const deps = {
      checkpoints: new MemoryCheckpoints(),
      queue: new MemoryQueue(),
      clock: new FixedClock(NOW),
      fetcher,
    };
    return { deps, responses, seen, fail: (e?: Error) => (failWith = e) };
  };

  it('enqueues new entries once, starting now (older ones are taken as seen), and sends its validators', async () => {
    const { deps, responses, seen } = setup();
    responses.push({ status: 'ok', entries, etag: '"v1"', lastModified: 'Sat, 05 Dec 2026 07:30:00 GMT' });
    expect(await pollFeed(FEED, 900_000, deps)).toEqual({
      source: 'feed:alerts',
      result: 'polled',
      enqueued: 1,
    });
    expect(deps.queue.events.map((e) => (e.payload as { entry: FeedEntry }).entry.id)).toEqual(['new']);
    responses.push({
      status: 'ok',
      entries: [{ id: 'newer', title: 'Acme Air again' }, ...entries],
      etag: '"v2"',
    });
    expect(await pollFeed(FEED, 900_000, deps)).toMatchObject({ enqueued: 1 });
    expect(deps.queue.events.map((e) => (e.payload as { entry: FeedEntry }).entry.id)).toEqual([
      'new',
      'newer',
    ]);
    expect(await pollFeed(FEED, 900_000, deps)).toMatchObject({ result: 'not-modified' });
    expect(seen).toEqual([
      {},
      { etag: '"v1"', lastModified: 'Sat, 05 Dec 2026 07:30:00 GMT' },
      { etag: '"v2"' },
    ]);
  });

  it('backs off doubling the interval after each failure, and reports failing for an hour', async () => {
    const { deps, fail } = setup();
    fail(new Error('feed answered 500'));
    const first = await pollFeed(FEED, 900_000, deps);
    expect(first).toMatchObject({ result: 'failed', error: 'feed answered 500', failingForMs: 0 });
    expect(await pollFeed(FEED, 900_000, deps)).toMatchObject({ result: 'waiting' });
    deps.clock.advance(backoffMs(1, 900_000));
    await pollFeed(FEED, 900_000, deps);
    deps.clock.advance(backoffMs(2, 900_000));
    await pollFeed(FEED, 900_000, deps);
    deps.clock.advance(backoffMs(3, 900_000)); // 15 + 30 + 60 minutes of failing
    const later = await pollFeed(FEED, 900_000, deps);
    expect(later).toMatchObject({ result: 'failed' });
    expect((later as { failingForMs: number }).failingForMs).toBeGreaterThanOrEqual(FAILING_ALARM_MS);
    expect(backoffMs(20, 900_000)).toBe(6 * 3_600_000);
    fail(undefined);
    deps.clock.advance(backoffMs(4, 900_000));
    expect(await pollFeed(FEED, 900_000, deps)).toMatchObject({ result: 'not-modified' });
    const checkpoint = await deps.checkpoints.get('feed:alerts');
    expect(checkpoint.failures).toBeUndefined();
    expect(checkpoint.failingSince).toBeUndefined();
  });
});

describe('X keyword listening', () => {
  const spec = XSearchSpec.parse({
    keywords: ['Acme Air', '#acmeair'],
    brandHandles: ['acme'],
    brandUserId: '42',
    maxPagesPerPoll: 1,
  });
  const post = (id: string) => ({ id, text: `Acme Air ${id}`, author_id: '7' });

  it('searches for any keyword, not by or to the brand, without reposts', () => {
    expect(searchQuery(spec)).toBe('("Acme Air" OR #acmeair) -from:acme -to:acme -@acme -is:retweet');
    expect(searchQuery({ ...spec, keywords: ['acme'], brandHandles: [], languages: ['en'] })).toBe(
      'acme -is:retweet lang:en',
    );
  });
  it('compares ids beyond 2^53 as decimals', () => {
    expect(newerId('1999000000000000101', '999000000000000102')).toBe('1999000000000000101');
    expect(newerId(undefined, '5')).toBe('5');
  });
  it('normalizes a found post as an unaddressed X message about the keywords', () => {
    const page = SearchPage.parse({
      data: [post('1999000000000000001')],
      includes: { users: [{ id: '7', username: 'u', name: 'U', public_metrics: { followers_count: 9 } }] },
    });
    const [event] = searchEvents(page, spec);
    const [interaction] = xParser.normalize(queued(event!.type, event!.payload, 'x'));
    expect(interaction).toMatchObject({
      platform: 'x',
      externalId: '1999000000000000001',
      addressed: false,
      about: spec.keywords,
      author: { handle: 'u', followers: 9 },
      fromBrand: false,
    });
  });

  it('pages with next_token across polls (nothing skipped), then moves since_id; waits out a 429', async () => {
    const calls: Parameters<XSearchApi['search']>[0][] = [];
    const answers: Awaited<ReturnType<XSearchApi['search']>>[] = [
      {
        status: 200,
        body: { data: [post('30'), post('29')], meta: { newest_id: '30', next_token: 'p2' } },
        rateLimit: { remaining: 10 },
      },
      { status: 200, body: { data: [post('28')], meta: {} }, rateLimit: { remaining: 9 } },
      {
        status: 429,
        body: { title: 'Too Many Requests' },
        rateLimit: { remaining: 0, resetAt: new Date(NOW.getTime() + 600_000) },
      },
    ];
    const api: XSearchApi = {
      search: async (p) => {
        calls.push(p);
        return answers.shift()!;
      },
    };
    const deps = {
      checkpoints: new MemoryCheckpoints(),
      queue: new MemoryQueue(),
      clock: new FixedClock(NOW),
      api,
    };
    expect(await pollXSearch(spec, deps)).toMatchObject({ enqueued: 2, more: true });
    expect(calls[0]).toMatchObject({
      startTime: new Date(NOW.getTime() - 3_600_000),
      sinceId: undefined,
      nextToken: undefined,
    });
    expect(await pollXSearch(spec, deps)).toMatchObject({ enqueued: 1 });
    expect(calls[1]).toMatchObject({ nextToken: 'p2', sinceId: undefined });
    expect((await deps.checkpoints.get('x-search')).sinceId).toBe('30');
    expect(await pollXSearch(spec, deps)).toMatchObject({ enqueued: 0 });
    expect(calls[2]).toMatchObject({ sinceId: '30', startTime: undefined });
    expect(await pollXSearch(spec, deps)).toMatchObject({ result: 'waiting' });
    expect(calls).toHaveLength(3);
    expect(deps.queue.events.map((e) => (e.payload as { item: { id: string } }).item.id)).toEqual([
      '30',
      '29',
      '28',
    ]);
  });

  it('fails (and backs off) on an error answer, naming X’s reason', async () => {
    const api: XSearchApi = {
      search: async () => ({
        status: 403,
        body: { title: 'Forbidden', detail: 'client-not-enrolled' },
        rateLimit: {},
      }),
    };
    const deps = {
      checkpoints: new MemoryCheckpoints(),
      queue: new MemoryQueue(),
      clock: new FixedClock(NOW),
      api,
    };
    expect(await pollXSearch(spec, deps)).toMatchObject({
      result: 'failed',
      error: 'X recent search answered 403: client-not-enrolled',
    });
  });
});
