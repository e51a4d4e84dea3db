import { parseFeed } from '@rowanmanning/feed-parser';
import type { FeedEntry } from '#core/listening/feeds.ts';
import type { FeedFetcher } from '#core/ports.ts';

const USER_AGENT = 'Heed feed poller (+https://github.com/heed; conditional GET)';
/** Feeds larger than this are refused (a Google Alerts feed is a few kB). */
const MAX_FEED_BYTES = 5 * 1024 * 1024;

/**
 * A conditional GET (If-None-Match / If-Modified-Since) of a feed, parsed by @rowanmanning/feed-parser
 * (RSS 0.9x–2.0 and Atom 1.0, lenient with real-world feeds). A network error, a timeout, an error
 * status or a body that is not a feed throws: the poller backs off.
 */
export class HttpFeedFetcher implements FeedFetcher {
  constructor(private readonly timeoutMs = 10_000) {}

  async fetch(url: string, validators: { etag?: string; lastModified?: string }) {
    const response = await fetch(url, {
      headers: {
        'user-agent': USER_AGENT,
        accept: 'application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1',
        ...(validators.etag ? { 'if-none-match': validators.etag } : {}),
        ...(validators.lastModified ? { 'if-modified-since': validators.lastModified } : {}),
      },
      redirect: 'follow',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (response.status === 304) return { status: 'not-modified' as const };
    if (!response.ok) throw new Error(`feed answered ${response.status} ${response.statusText}`);
    const text = await response.text();
    if (Buffer.byteLength(text) > MAX_FEED_BYTES)
      throw new Error(`feed is larger than ${MAX_FEED_BYTES} bytes`);
    const feed = parseFeed(text);
    const entries: FeedEntry[] = feed.items.map((item) => ({
      id: item.id,
      url: item.url,
      title: item.title,
      body: item.content ?? item.description,
      author: item.authors[0]?.name ?? null,
      published: (item.published ?? item.updated)?.toISOString() ?? null,
    }));
    return {
      status: 'ok' as const,
      entries,
      etag: response.headers.get('etag') ?? undefined,
      lastModified: response.headers.get('last-modified') ?? undefined,
    };
  }
}
