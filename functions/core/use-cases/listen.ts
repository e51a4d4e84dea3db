import { entryKey, type FeedSpec, feedEntryEvent } from '../listening/feeds.ts';
import { newerId, SearchPage, searchEvents, searchQuery, type XSearchSpec } from '../listening/x-search.ts';
import type { QueuedEvent } from '../model/interaction.ts';
import { stamped, type UnstampedEvent } from '../model/queued-events.ts';
import type {
  Clock,
  EventQueue,
  FeedFetcher,
  ListeningCheckpoint,
  ListeningCheckpoints,
  XSearchApi,
} from '../ports.ts';

export interface ListenDeps {
  checkpoints: ListeningCheckpoints;
  queue: EventQueue;
  clock: Clock;
}

export type PollOutcome =
  | { source: string; result: 'polled'; enqueued: number; more?: boolean }
  | { source: string; result: 'not-modified' }
  | { source: string; result: 'waiting'; until: string; failingForMs: number }
  | { source: string; result: 'failed'; error: string; failingForMs: number };

/** A listener failing this long raises the alarm (README § Listening; RUNBOOK ListenerFailing). */
export const FAILING_ALARM_MS = 60 * 60_000;
/** Entry keys a feed's checkpoint remembers: far more than any feed repeats. */
export const MAX_SEEN = 1000;
/** On a feed's first poll, entries older than this are taken as already seen: listening starts now. */
export const FIRST_POLL_LOOKBACK_MS = 24 * 60 * 60_000;
const MAX_BACKOFF_MS = 6 * 60 * 60_000;

/** After n failures in a row: wait 2^(n-1) polling intervals, at most 6 hours. */
export function backoffMs(failures: number, intervalMs: number): number {
  return Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** Math.max(0, failures - 1));
}

const failingFor = (c: ListeningCheckpoint, now: Date) =>
  c.failingSince ? now.getTime() - Date.parse(c.failingSince) : 0;

/** Runs one poll with the checkpoint's backoff: skipped while waiting, recorded as failed on a throw. */
async function withBackoff(
  id: string,
  intervalMs: number,
  deps: ListenDeps,
  poll: (
    checkpoint: ListeningCheckpoint,
    now: Date,
  ) => Promise<{ checkpoint: ListeningCheckpoint; outcome: PollOutcome }>,
): Promise<PollOutcome> {
  const checkpoint = await deps.checkpoints.get(id);
  const now = deps.clock.wallNow();
  if (checkpoint.notBefore && Date.parse(checkpoint.notBefore) > now.getTime())
    return {
      source: id,
      result: 'waiting',
      until: checkpoint.notBefore,
      failingForMs: failingFor(checkpoint, now),
    };
  let result: { checkpoint: ListeningCheckpoint; outcome: PollOutcome };
  try {
    result = await poll(checkpoint, now);
  } catch (error) {
    const failures = (checkpoint.failures ?? 0) + 1;
    const failed: ListeningCheckpoint = {
      ...checkpoint,
      failures,
      failingSince: checkpoint.failingSince ?? now.toISOString(),
      lastError: String((error as Error).message ?? error).slice(0, 300),
      notBefore: new Date(now.getTime() + backoffMs(failures, intervalMs)).toISOString(),
    };
    await deps.checkpoints.put(id, failed);
    return { source: id, result: 'failed', error: failed.lastError!, failingForMs: failingFor(failed, now) };
  }
  const { failures: _f, failingSince: _s, lastError: _e, ...rest } = result.checkpoint;
  await deps.checkpoints.put(id, { ...rest, lastSuccessAt: now.toISOString() });
  return result.outcome;
}

const queued = (events: UnstampedEvent[], deliveryId: (i: number) => string, now: Date): QueuedEvent[] =>
  events.map((event, i) => stamped(event, deliveryId(i), now.toISOString()));

/**
 * One poll of one feed: a conditional GET; entries not seen before are enqueued (the processor
 * dedupes again by message, so an entry enqueued twice is stored once); then the checkpoint. Enqueued
 * before the checkpoint is written: a crash in between sends an entry again, never loses one.
 */
export function pollFeed(feed: FeedSpec, intervalMs: number, deps: ListenDeps & { fetcher: FeedFetcher }) {
  return withBackoff(`feed:${feed.id}`, intervalMs, deps, async (checkpoint, now) => {
    const response = await deps.fetcher.fetch(feed.url, {
      etag: checkpoint.etag,
      lastModified: checkpoint.lastModified,
    });
    const source = `feed:${feed.id}`;
    if (response.status === 'not-modified')
      return {
        checkpoint: { ...checkpoint, notBefore: undefined },
        outcome: { source, result: 'not-modified' },
      };
    const seen = new Set(checkpoint.seen ?? []);
    const firstPoll = checkpoint.seen === undefined;
    const fresh: { key: string; entry: (typeof response.entries)[number] }[] = [];
    const skipped: string[] = [];
    for (const entry of response.entries) {
      const key = entryKey(entry);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      const published = Date.parse(entry.published ?? '');
      if (firstPoll && Number.isFinite(published) && now.getTime() - published > FIRST_POLL_LOOKBACK_MS)
        skipped.push(key);
      else fresh.push({ key, entry });
    }
    await deps.queue.enqueue(
      queued(
        fresh.map(({ entry }) => feedEntryEvent(feed, entry)),
        (i) => `${source}:${fresh[i]!.key}`,
        now,
      ),
    );
    return {
      checkpoint: {
        ...checkpoint,
        etag: response.etag,
        lastModified: response.lastModified,
        seen: [...(checkpoint.seen ?? []), ...skipped, ...fresh.map((f) => f.key)].slice(-MAX_SEEN),
        notBefore: undefined,
      },
      outcome: { source, result: 'polled', enqueued: fresh.length },
    };
  });
}

/** On the first poll (no since_id yet), how far back recent search starts. */
export const X_FIRST_POLL_LOOKBACK_MS = 60 * 60_000;

/**
 * One poll of X recent search: since the newest post already enqueued, page by page (next_token) up
 * to the page budget; a run cut short by the budget or a rate limit resumes from its next_token on
 * the next poll, so nothing between two polls is skipped. A 429, or a page that leaves no requests
 * in the window, waits for the announced reset (x-rate-limit-reset).
 */
export function pollXSearch(spec: XSearchSpec, deps: ListenDeps & { api: XSearchApi }) {
  const source = 'x-search';
  return withBackoff(source, spec.intervalMinutes * 60_000, deps, async (checkpoint, now) => {
    const query = searchQuery(spec);
    let paging = checkpoint.paging;
    let notBefore: string | undefined;
    const events: ReturnType<typeof searchEvents> = [];
    let pages = 0;
    let finished = false;
    while (pages < spec.maxPagesPerPoll) {
      const response = await deps.api.search({
        query,
        sinceId: checkpoint.sinceId,
        startTime: checkpoint.sinceId ? undefined : new Date(now.getTime() - X_FIRST_POLL_LOOKBACK_MS),
        nextToken: paging?.nextToken,
        maxResults: 100,
      });
      const reset = response.rateLimit.resetAt ?? new Date(now.getTime() + 15 * 60_000);
      if (response.status === 429) {
        notBefore = reset.toISOString();
        break;
      }
      if (response.status !== 200)
        throw new Error(`X recent search answered ${response.status}: ${describe(response.body)}`);
      const page = SearchPage.parse(response.body);
      pages++;
      events.push(...searchEvents(page, spec));
      const newestId = paging?.newestId ?? page.meta.newest_id ?? checkpoint.sinceId ?? '';
      paging = page.meta.next_token ? { nextToken: page.meta.next_token, newestId } : undefined;
      if (!paging) {
        checkpoint = { ...checkpoint, sinceId: newerId(checkpoint.sinceId, newestId || undefined) };
        finished = true;
      }
      if (response.rateLimit.remaining === 0) notBefore = reset.toISOString();
      if (finished || notBefore) break;
    }
    await deps.queue.enqueue(
      queued(events, (i) => `x-search:${(events[i]!.payload.item as { id: string }).id}`, now),
    );
    return {
      checkpoint: { ...checkpoint, paging, notBefore },
      outcome: { source, result: 'polled', enqueued: events.length, ...(paging ? { more: true } : {}) },
    };
  });
}

function describe(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    return String(b['detail'] ?? b['title'] ?? JSON.stringify(body)).slice(0, 200);
  }
  return String(body).slice(0, 200);
}
