import * as z from 'zod';

/**
 * Keyword listening on X: X API v2 recent search (`GET /2/tweets/search/recent`) for what people say
 * about the brand without tagging it. What the Account Activity webhook already delivers (posts
 * mentioning or replying to the brand's accounts, and its own) is excluded from the query.
 */
export const XSearchSpec = z.object({
  /** Words and phrases people use for the brand and its products ("Acme", "Acme Air", "#acmefail"). */
  keywords: z.array(z.string().min(1).max(100)).min(1),
  /** The brand's own X accounts (without @): their posts, and posts to them, are excluded. */
  brandHandles: z.array(z.string().regex(/^[A-Za-z0-9_]{1,15}$/)).default([]),
  /** The brand account's user id, so a post the brand itself wrote is recognised as its reply. */
  brandUserId: z.string().regex(/^\d+$/).optional(),
  /** Only posts in these languages (BCP 47 codes as X uses them); empty: all. */
  languages: z.array(z.string().regex(/^[a-z]{2,3}$/)).default([]),
  /** How often to poll (EventBridge Scheduler rate). The Basic tier allows 60 requests per 15 minutes per app. */
  intervalMinutes: z.number().int().min(1).max(1440).default(5),
  /** Pages of 100 per poll at most; a longer run resumes from its next_token on the next poll. */
  maxPagesPerPoll: z.number().int().min(1).max(50).default(5),
});
export type XSearchSpec = z.infer<typeof XSearchSpec>;

/** The query length the self-serve tiers accept (Enterprise: 4,096). */
export const MAX_QUERY_LENGTH = 512;
export const X_SEARCH_EVENT = 'x_search_post';
/** The user fields triage reads (reach: followers, verified). */
export const X_SEARCH_FIELDS = {
  expansions: 'author_id',
  'tweet.fields': 'created_at,conversation_id,in_reply_to_user_id,referenced_tweets,lang,author_id',
  'user.fields': 'name,username,verified,public_metrics',
};

const quote = (term: string) => (/[\s"]/.test(term) ? `"${term.replace(/"/g, '')}"` : term);

/** The search query: any keyword, not by or to the brand's accounts, no reposts. */
export function searchQuery(spec: XSearchSpec): string {
  const any = spec.keywords.map(quote);
  const parts = [any.length > 1 ? `(${any.join(' OR ')})` : any[0]!];
  for (const handle of spec.brandHandles) parts.push(`-from:${handle}`, `-to:${handle}`, `-@${handle}`);
  parts.push('-is:retweet');
  if (spec.languages.length === 1) parts.push(`lang:${spec.languages[0]}`);
  else if (spec.languages.length > 1) parts.push(`(${spec.languages.map((l) => `lang:${l}`).join(' OR ')})`);
  return parts.join(' ');
}

/** A page of recent search, as documented (data, includes.users, meta). */
export const SearchPage = z.looseObject({
  data: z.array(z.looseObject({ id: z.string().regex(/^\d+$/), author_id: z.string() })).default([]),
  includes: z
    .looseObject({ users: z.array(z.looseObject({ id: z.string() })).default([]) })
    .default({ users: [] }),
  meta: z
    .looseObject({
      newest_id: z.string().optional(),
      next_token: z.string().optional(),
      result_count: z.number().optional(),
    })
    .default({}),
  errors: z.array(z.unknown()).optional(),
});
export type SearchPage = z.infer<typeof SearchPage>;

/** One queued event per post, carrying its author (the X parser normalizes it as a v2 post). */
export function searchEvents(page: SearchPage, spec: XSearchSpec) {
  const users = Object.fromEntries(page.includes.users.map((u) => [u.id, u]));
  return page.data.map((post) => ({
    platform: 'x' as const,
    type: X_SEARCH_EVENT,
    payload: {
      forUserId: spec.brandUserId ?? '',
      item: post,
      users: users[post.author_id] ? { [post.author_id]: users[post.author_id] } : {},
      about: spec.keywords,
    },
  }));
}

/** The larger of two X ids (they exceed 2^53: compared as decimal strings). */
export function newerId(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.length !== b.length ? (a.length > b.length ? a : b) : a > b ? a : b;
}
