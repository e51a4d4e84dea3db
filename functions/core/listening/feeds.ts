import { createHash } from 'node:crypto';
import { decode } from 'html-entities';
import * as z from 'zod';
import { Severity } from '../model/complaint.ts';
import type { Interaction, QueuedEvent } from '../model/interaction.ts';

/**
 * RSS/Atom listening: one feed in the stage configuration (`heed.listening.feeds`). A Google Alert
 * delivered "to a feed", a blog, a forum, a news search, a review site's feed.
 */
export const FeedSpec = z.object({
  /** Stable name: the checkpoint's key and the entries' id prefix. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a feed id is lower-case letters, digits and -'),
  url: z.url(),
  /** The brand's name as people write it: an entry that names neither it nor a keyword pages nobody. */
  brand: z.string().min(1),
  keywords: z.array(z.string().min(1)).default([]),
  /** Shown as the author's handle ("google-alerts", "forum"): where the entry was heard. */
  label: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/)
    .optional(),
  /** The least severity a complaint heard here gets. */
  defaultSeverity: Severity.default('low'),
});
export type FeedSpec = z.infer<typeof FeedSpec>;

/** One feed entry as the poller read it (the feed library's item, reduced to what Heed needs). */
export const FeedEntry = z.object({
  id: z.string().nullish(),
  url: z.string().nullish(),
  title: z.string().nullish(),
  /** Summary or content, HTML or text. */
  body: z.string().nullish(),
  author: z.string().nullish(),
  published: z.string().nullish(),
});
export type FeedEntry = z.infer<typeof FeedEntry>;

export const FEED_ENTRY_EVENT = 'feed-entry';
const Payload = z.object({ feed: FeedSpec, entry: FeedEntry });

/**
 * An entry's identity across polls: its id (RSS guid, Atom id), else its link, else its title. The
 * hash keeps ids of any length within DynamoDB's key limits.
 */
export function entryKey(entry: FeedEntry): string | undefined {
  const identity = entry.id?.trim() || entry.url?.trim() || entry.title?.trim();
  return identity ? createHash('sha256').update(identity).digest('base64url').slice(0, 32) : undefined;
}

/** Text of an HTML fragment (Google Alerts titles carry <b> around the matched words). */
export function plainText(html: string): string {
  return decode(html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/** Google Alerts links go through google.com/url?url=…: the page itself is the permalink. */
export function unwrapLink(link: string | null | undefined): string | undefined {
  if (!link) return undefined;
  try {
    const url = new URL(link);
    const target =
      /(^|\.)google\.[a-z.]+$/.test(url.hostname) && url.pathname === '/url'
        ? (url.searchParams.get('url') ?? url.searchParams.get('q'))
        : null;
    const final = new URL(target ?? link);
    return final.protocol === 'https:' || final.protocol === 'http:' ? final.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The queued event for an entry (the poller enqueues it; the processor normalizes it). */
export function feedEntryEvent(feed: FeedSpec, entry: FeedEntry) {
  return { platform: 'web' as const, source: feed.id, type: FEED_ENTRY_EVENT, payload: { feed, entry } };
}

/** A feed entry as a listened interaction of platform `web`: public, not addressed, about the brand's terms. */
export function normalizeFeedEntry(event: QueuedEvent): Interaction[] {
  if (event.type !== FEED_ENTRY_EVENT) return [];
  const { feed, entry } = Payload.parse(event.payload);
  const key = entryKey(entry);
  if (!key) throw new Error('feed entry has no id, link or title');
  const title = plainText(entry.title ?? '');
  const body = plainText(entry.body ?? '');
  const externalId = `${feed.id}:${key}`;
  const published = Date.parse(entry.published ?? '');
  return [
    {
      platform: 'web',
      channel: 'public',
      action: 'create',
      externalId,
      conversationId: externalId,
      author: {
        id: `${feed.id}:${entry.author?.trim() || 'unknown'}`,
        name: entry.author?.trim() || undefined,
        handle: feed.label ?? feed.id,
      },
      text: body && !body.startsWith(title) ? `${title}\n${body}` : body || title,
      media: [],
      createdAt: new Date(
        Number.isFinite(published) ? published : Date.parse(event.receivedAt),
      ).toISOString(),
      fromBrand: false,
      permalink: unwrapLink(entry.url),
      test: false,
      deliveryId: event.deliveryId,
      addressed: false,
      about: [feed.brand, ...feed.keywords],
      minimumSeverity: feed.defaultSeverity,
    },
  ];
}
