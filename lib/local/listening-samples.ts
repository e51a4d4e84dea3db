import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * The platforms' side of listening, on the loopback interface, serving the response shapes each
 * platform documents, so the twin's pollers and review intake run end to end with no account:
 *   /feeds/google-alerts.xml  a Google Alert delivered to a feed (Atom, as Google Alerts writes it)
 *   /feeds/forum.rss          RSS 2.0 (a forum, a review site)
 *   /feeds/blog.atom          Atom 1.0 (a blog, RFC 4287)
 *     each with ETag / Last-Modified and 304 on a conditional GET that matches
 *   /2/tweets/search/recent   X API v2 recent search (bearer token, since_id, start_time,
 *                             next_token paging, author expansion, x-rate-limit-* headers)
 *   /token, /v4/…, /certs     Google OAuth (refresh token), Business Profile reviews.get, Google's JWKS
 * and the two senders that push: Trustpilot's review webhook and a Pub/Sub push subscription
 * (an OIDC token signed with this server's key, which /certs publishes).
 */
export interface SampleEntry {
  id?: string;
  title: string;
  url: string;
  body: string;
  author?: string;
  published?: Date;
}

export interface SamplePost {
  id: string;
  text: string;
  author: { id: string; username: string; name: string; followers?: number; verified?: boolean };
  createdAt?: Date;
  inReplyTo?: string;
}

export interface SampleReview {
  name: string;
  stars: 1 | 2 | 3 | 4 | 5;
  comment: string;
  reviewer: string;
  reply?: string;
}

export const SAMPLE_FEEDS = {
  'google-alerts': { path: '/feeds/google-alerts.xml', label: 'google-alerts', format: 'google-alerts' },
  forum: { path: '/feeds/forum.rss', label: 'forum', format: 'rss' },
  blog: { path: '/feeds/blog.atom', label: 'blog', format: 'atom' },
} as const;
export type SampleFeed = keyof typeof SAMPLE_FEEDS;

/** The brand the samples talk about, and its X account (the same as `heed demo`'s). */
export const SAMPLE_BRAND = {
  name: 'Acme Air',
  keywords: ['#acmeair', 'acmeair.example'],
  xHandle: 'brand',
  xUserId: '1234567890',
};

const STARS = ['ONE', 'TWO', 'THREE', 'FOUR', 'FIVE'];
const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const rfc822 = (d: Date) => d.toUTCString();

function render(feed: SampleFeed, entries: SampleEntry[], updated: Date): string {
  const { format } = SAMPLE_FEEDS[feed];
  if (format === 'rss')
    return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Travellers' forum: airlines</title><link>https://forum.example/airlines</link>
<description>New threads</description><lastBuildDate>${rfc822(updated)}</lastBuildDate>
${entries
  .map(
    (
      e,
    ) => `<item><title>${xml(e.title)}</title><link>${xml(e.url)}</link><description>${xml(e.body)}</description>
<guid isPermaLink="false">${xml(e.id ?? e.url)}</guid><pubDate>${rfc822(e.published ?? updated)}</pubDate>${e.author ? `<author>${xml(e.author)}</author>` : ''}</item>`,
  )
  .join('\n')}
</channel></rss>`;
  const googleAlerts = format === 'google-alerts';
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"${googleAlerts ? ' xmlns:idx="urn:atom-extension:indexing"' : ''}>
<id>${googleAlerts ? 'tag:google.com,2005:reader/user/00000000000000000000/state/com.google/alerts/1234567890123456789' : 'urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6'}</id>
<title>${googleAlerts ? `Google Alert - ${xml(SAMPLE_BRAND.name)}` : 'A traveller’s blog'}</title>
<link href="https://example.com/feed" rel="self"/>
<updated>${updated.toISOString()}</updated>
${entries
  .map((e) => {
    // Google Alerts: the matched words in <b>, the link through google.com/url.
    const title = googleAlerts
      ? e.title.replace(new RegExp(`(${SAMPLE_BRAND.name})`, 'gi'), '<b>$1</b>')
      : e.title;
    const link = googleAlerts
      ? `https://www.google.com/url?rct=j&sa=t&url=${encodeURIComponent(e.url)}&ct=ga&cd=CAIyGjFk&usg=AOvVaw0`
      : e.url;
    return `<entry><id>${xml(e.id ?? e.url)}</id><title type="html">${xml(title)}</title><link href="${xml(link)}"/>
<published>${(e.published ?? updated).toISOString()}</published><updated>${(e.published ?? updated).toISOString()}</updated>
<content type="html">${xml(e.body)}</content><author><name>${xml(e.author ?? '')}</name></author></entry>`;
  })
  .join('\n')}
</feed>`;
}

export interface ListeningSamples {
  url: string;
  /** What the twin puts in its listening credentials secret. */
  credentials: {
    xBearerToken: string;
    google: { clientId: string; clientSecret: string; refreshToken: string };
  };
  /** Requests served, by `<METHOD> <path>` and answer (tests: conditional GETs, paging). */
  served: Map<string, number>;
  addFeedEntry(feed: SampleFeed, entry: SampleEntry): void;
  addPost(post: SamplePost): void;
  addReview(review: SampleReview): void;
  /** Pub/Sub pushes a Business Profile notification to `url` (the twin's google route), signed as Google would. */
  pushGoogleNotification(
    url: string,
    target: { audience: string; serviceAccount: string },
    reviewName: string,
    type?: 'NEW_REVIEW' | 'UPDATED_REVIEW',
  ): Promise<Response>;
  /** Trustpilot delivers a review event to its subscription URL. */
  sendTrustpilot(url: string, eventName: string, eventData: Record<string, unknown>): Promise<Response>;
  /** A token Google would sign for anyone (tests: wrong audience or account). */
  signIdToken(claims: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

export async function startListeningSamples(options: { seed?: boolean } = {}): Promise<ListeningSamples> {
  const credentials = {
    xBearerToken: `AAAAAAAAAAAAAAAAAAAAA${randomBytes(24).toString('base64url')}`,
    google: {
      clientId: `${randomBytes(6).toString('hex')}.apps.googleusercontent.com`,
      clientSecret: randomBytes(18).toString('base64url'),
      refreshToken: `1//${randomBytes(24).toString('base64url')}`,
    },
  };
  const accessTokens = new Set<string>();
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = randomBytes(8).toString('hex');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const feeds = new Map<SampleFeed, { entries: SampleEntry[]; updated: Date }>(
    (Object.keys(SAMPLE_FEEDS) as SampleFeed[]).map((f) => [f, { entries: [], updated: new Date() }]),
  );
  const posts: SamplePost[] = [];
  const reviews = new Map<string, SampleReview>();
  const served = new Map<string, number>();
  const rateWindow = { remaining: 450, resetAt: 0 };

  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'application/xml' : 'application/json',
      ...headers,
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const count = (outcome: number) => {
      const key = `${req.method} ${url.pathname} ${outcome}`;
      served.set(key, (served.get(key) ?? 0) + 1);
    };
    const feed = (Object.keys(SAMPLE_FEEDS) as SampleFeed[]).find(
      (f) => SAMPLE_FEEDS[f].path === url.pathname,
    );
    if (feed) {
      const { entries, updated } = feeds.get(feed)!;
      const body = render(feed, [...entries].reverse(), updated);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
      const lastModified = updated.toUTCString();
      if (req.headers['if-none-match'] === etag) {
        count(304);
        res.writeHead(304, { etag, 'last-modified': lastModified });
        return res.end();
      }
      count(200);
      return answer(res, 200, body, { etag, 'last-modified': lastModified });
    }
    if (url.pathname === '/2/tweets/search/recent') {
      if (req.headers.authorization !== `Bearer ${credentials.xBearerToken}`) {
        count(401);
        return answer(res, 401, {
          title: 'Unauthorized',
          type: 'about:blank',
          status: 401,
          detail: 'Unauthorized',
        });
      }
      const now = Date.now();
      if (now > rateWindow.resetAt) Object.assign(rateWindow, { remaining: 450, resetAt: now + 15 * 60_000 });
      const limits = {
        'x-rate-limit-limit': '450',
        'x-rate-limit-remaining': String(Math.max(0, --rateWindow.remaining)),
        'x-rate-limit-reset': String(Math.ceil(rateWindow.resetAt / 1000)),
      };
      if (rateWindow.remaining < 0) {
        count(429);
        return answer(
          res,
          429,
          { title: 'Too Many Requests', status: 429, detail: 'Too Many Requests' },
          limits,
        );
      }
      const sinceId = url.searchParams.get('since_id');
      const startTime = Date.parse(url.searchParams.get('start_time') ?? '');
      const max = Number(url.searchParams.get('max_results') ?? 10);
      const offset = Number(url.searchParams.get('next_token')?.replace(/^p/, '') ?? 0);
      const matching = posts
        .filter((p) => !sinceId || BigInt(p.id) > BigInt(sinceId))
        .filter((p) => !Number.isFinite(startTime) || (p.createdAt ?? new Date()).getTime() >= startTime)
        .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
      const page = matching.slice(offset, offset + max);
      count(200);
      return answer(
        res,
        200,
        {
          ...(page.length
            ? {
                data: page.map((p) => ({
                  id: p.id,
                  text: p.text,
                  author_id: p.author.id,
                  created_at: (p.createdAt ?? new Date()).toISOString(),
                  conversation_id: p.inReplyTo ?? p.id,
                  edit_history_tweet_ids: [p.id],
                  ...(p.inReplyTo ? { referenced_tweets: [{ type: 'replied_to', id: p.inReplyTo }] } : {}),
                })),
                includes: {
                  users: [...new Map(page.map((p) => [p.author.id, p.author])).values()].map((a) => ({
                    id: a.id,
                    name: a.name,
                    username: a.username,
                    verified: a.verified ?? false,
                    public_metrics: {
                      followers_count: a.followers ?? 0,
                      following_count: 0,
                      tweet_count: 1,
                      listed_count: 0,
                    },
                  })),
                },
              }
            : {}),
          meta: {
            result_count: page.length,
            ...(page.length ? { newest_id: page[0]!.id, oldest_id: page.at(-1)!.id } : {}),
            ...(offset + max < matching.length ? { next_token: `p${offset + max}` } : {}),
          },
        },
        limits,
      );
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const { google } = credentials;
      if (
        form.get('refresh_token') !== google.refreshToken ||
        form.get('client_secret') !== google.clientSecret
      ) {
        count(400);
        return answer(res, 400, { error: 'invalid_grant' });
      }
      const token = `ya29.${randomBytes(24).toString('base64url')}`;
      accessTokens.add(token);
      count(200);
      return answer(res, 200, {
        access_token: token,
        expires_in: 3599,
        token_type: 'Bearer',
        scope: 'https://www.googleapis.com/auth/business.manage',
      });
    }
    if (url.pathname === '/certs') {
      count(200);
      return answer(res, 200, jwks, { 'cache-control': 'public, max-age=3600' });
    }
    if (url.pathname.startsWith('/v4/')) {
      if (!accessTokens.has(String(req.headers.authorization).replace(/^Bearer /, ''))) {
        count(401);
        return answer(res, 401, { error: { code: 401, status: 'UNAUTHENTICATED' } });
      }
      const review = reviews.get(url.pathname.slice('/v4/'.length));
      if (!review) {
        count(404);
        return answer(res, 404, { error: { code: 404, status: 'NOT_FOUND' } });
      }
      count(200);
      const now = new Date().toISOString();
      return answer(res, 200, {
        name: review.name,
        reviewId: review.name.split('/').pop(),
        reviewer: {
          displayName: review.reviewer,
          profilePhotoUrl: 'https://lh3.googleusercontent.com/a/x',
          isAnonymous: false,
        },
        starRating: STARS[review.stars - 1],
        comment: review.comment,
        createTime: now,
        updateTime: now,
        ...(review.reply ? { reviewReply: { comment: review.reply, updateTime: now } } : {}),
      });
    }
    count(404);
    answer(res, 404, { error: 'not found' });
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => answer(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const signIdToken = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    // Google's defaults, which a test may override (another issuer, an expired token).
    return new SignJWT({ iss: 'https://accounts.google.com', iat: now, exp: now + 3600, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(privateKey);
  };

  const samples: ListeningSamples = {
    url: base,
    credentials,
    served,
    addFeedEntry(feed, entry) {
      const state = feeds.get(feed)!;
      state.entries.push({ ...entry, published: entry.published ?? new Date() });
      state.updated = new Date();
    },
    addPost: (post) => posts.push(post),
    addReview: (review) => reviews.set(review.name, review),
    async pushGoogleNotification(url, target, reviewName, type = 'NEW_REVIEW') {
      const token = await signIdToken({
        aud: target.audience,
        email: target.serviceAccount,
        email_verified: true,
        sub: '112233445566778899000',
        azp: '112233445566778899000',
      });
      const data = { type, review: reviewName, location: reviewName.split('/reviews/')[0] };
      return fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          message: {
            data: Buffer.from(JSON.stringify(data)).toString('base64'),
            messageId: String(Date.now()),
            publishTime: new Date().toISOString(),
            attributes: {},
          },
          subscription: 'projects/heed-local/subscriptions/business-profile-push',
        }),
      });
    },
    sendTrustpilot(url, eventName, eventData) {
      return fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ eventName, version: '1', eventData }] }),
      });
    },
    signIdToken,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  if (options.seed) seedSamples(samples);
  return samples;
}

/** The stage's `heed.listening` on the twin: every sample feed, X search for the sample brand, Google reviews. */
export function sampleListeningConfig(url: string) {
  return {
    feeds: (Object.keys(SAMPLE_FEEDS) as SampleFeed[]).map((id) => ({
      id,
      url: `${url}${SAMPLE_FEEDS[id].path}`,
      brand: SAMPLE_BRAND.name,
      keywords: SAMPLE_BRAND.keywords,
      label: SAMPLE_FEEDS[id].label,
      defaultSeverity: 'medium',
    })),
    feedIntervalMinutes: 15,
    x: {
      keywords: [SAMPLE_BRAND.name, ...SAMPLE_BRAND.keywords],
      brandHandles: [SAMPLE_BRAND.xHandle],
      brandUserId: SAMPLE_BRAND.xUserId,
      intervalMinutes: 5,
    },
    googleReviews: true,
    endpoints: {
      xApi: url,
      googleCerts: `${url}/certs`,
      googleToken: `${url}/token`,
      googleBusinessApi: url,
    },
  };
}

/** What `npm start` hears at once: a complaint in each feed, one unrelated entry, posts on X. */
function seedSamples(samples: ListeningSamples): void {
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
  samples.addFeedEntry('google-alerts', {
    id: 'tag:google.com,2013:googlealerts/feed:9876543210987654321',
    title: 'Acme Air strands hundreds after cancellations, refunds still missing',
    url: 'https://news.example/acme-air-cancellations',
    body: 'Passengers say Acme Air cancelled their flights without notice and nobody answers the phone about refunds.',
    published: minutesAgo(20),
  });
  samples.addFeedEntry('google-alerts', {
    id: 'tag:google.com,2013:googlealerts/feed:9876543210987654322',
    title: 'Acme Air announces a new route to Lisbon',
    url: 'https://news.example/acme-air-lisbon',
    body: 'The airline will fly to Lisbon three times a week from March.',
    published: minutesAgo(15),
  });
  samples.addFeedEntry('forum', {
    id: 'forum-thread-4411',
    title: 'Lost luggage with Acme Air, three weeks and no reply',
    url: 'https://forum.example/airlines/4411',
    body: 'My bag never arrived and Acme Air support has ignored every email. Absolutely useless.',
    author: 'nomad_jo',
    published: minutesAgo(30),
  });
  samples.addFeedEntry('blog', {
    id: 'urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a',
    title: 'Ten days in Portugal',
    url: 'https://blog.example/portugal',
    body: 'The hotel lost our booking and the rental car was filthy, worst trip ever.',
    author: 'A traveller',
    published: minutesAgo(40),
  });
  samples.addPost({
    id: '1999000000000000001',
    text: 'Third hour on hold with Acme Air and still no refund for a cancelled flight. #acmeair',
    author: { id: '4400001', username: 'frequentflyer', name: 'Frequent Flyer', followers: 5400 },
    createdAt: minutesAgo(10),
  });
}
