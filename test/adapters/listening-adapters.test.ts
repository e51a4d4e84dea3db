import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleBusinessReviews } from '#adapters/google-business-reviews.ts';
import { googleOidcVerifier } from '#adapters/google-oidc.ts';
import { HttpFeedFetcher } from '#adapters/http-feed-fetcher.ts';
import { HttpXSearchApi } from '#adapters/x-search-api.ts';
import { Unauthorized } from '#core/model/errors.ts';
import {
  type ListeningSamples,
  SAMPLE_FEEDS,
  startListeningSamples,
} from '../../lib/local/listening-samples.ts';

// The adapters against the local servers that answer as the platforms document (the twin's).
let samples: ListeningSamples;
beforeAll(async () => {
  samples = await startListeningSamples();
  samples.addFeedEntry('google-alerts', {
    id: 'tag:google.com,2013:googlealerts/feed:42',
    title: 'Acme Air strands passengers',
    url: 'https://news.example/a?b=1&c=2',
    body: 'Refunds <i>missing</i> &amp; phones unanswered.',
  });
  samples.addFeedEntry('forum', {
    id: 'thread-1',
    title: 'Acme Air lost my bag',
    url: 'https://forum.example/1',
    body: 'Three weeks.',
    author: 'jo',
  });
  samples.addFeedEntry('blog', {
    id: 'urn:uuid:1',
    title: 'Acme Air diary',
    url: 'https://blog.example/1',
    body: '<p>Late again</p>',
    author: 'Kim',
  });
});
afterAll(() => samples?.stop());

describe('HttpFeedFetcher (@rowanmanning/feed-parser)', () => {
  const fetcher = new HttpFeedFetcher();
  it.each(Object.keys(SAMPLE_FEEDS) as (keyof typeof SAMPLE_FEEDS)[])(
    'reads the %s feed, then answers not-modified to a conditional GET',
    async (feed) => {
      const url = `${samples.url}${SAMPLE_FEEDS[feed].path}`;
      const first = await fetcher.fetch(url, {});
      if (first.status !== 'ok') throw new Error('expected a feed');
      expect(first.entries).toHaveLength(1);
      expect(first.entries[0]!.id).toBeTruthy();
      expect(first.entries[0]!.title).toMatch(/Acme Air/);
      expect(first.entries[0]!.url).toMatch(/^https:\/\//);
      expect(first.etag).toBeTruthy();
      expect(await fetcher.fetch(url, { etag: first.etag, lastModified: first.lastModified })).toEqual({
        status: 'not-modified',
      });
    },
  );
  it('fails on an error status and on a body that is not a feed', async () => {
    await expect(fetcher.fetch(`${samples.url}/feeds/missing.xml`, {})).rejects.toThrow(/404/);
    await expect(fetcher.fetch(`${samples.url}/certs`, {})).rejects.toThrow();
  });
});

describe('HttpXSearchApi', () => {
  it('sends the bearer token, reads the rate limit from the headers, and answers 401 without the token', async () => {
    samples.addPost({
      id: '1999000000000000900',
      text: 'Acme Air again',
      author: { id: '9', username: 'u9', name: 'U' },
    });
    const api = new HttpXSearchApi(samples.url, async () => samples.credentials.xBearerToken);
    const page = await api.search({ query: 'acme', maxResults: 10 });
    expect(page.status).toBe(200);
    expect((page.body as { data: { id: string }[] }).data[0]!.id).toBe('1999000000000000900');
    expect(page.rateLimit.remaining).toBeGreaterThan(0);
    expect(page.rateLimit.resetAt!.getTime()).toBeGreaterThan(Date.now());
    const wrong = new HttpXSearchApi(samples.url, async () => 'wrong-token-wrong-token');
    expect((await wrong.search({ query: 'acme', maxResults: 10 })).status).toBe(401);
    await expect(
      new HttpXSearchApi(samples.url, async () => undefined).search({ query: 'a', maxResults: 10 }),
    ).rejects.toThrow(/bearer token/);
  });
});

describe('googleOidcVerifier (jose, against a JWKS)', () => {
  const audience = 'heed-test-audience-1234';
  const verifier = () => googleOidcVerifier(`${samples.url}/certs`);
  it('accepts a token signed by the published key for our audience, and returns its claims', async () => {
    const token = await samples.signIdToken({
      aud: audience,
      email: 'push@p.iam.gserviceaccount.com',
      email_verified: true,
    });
    expect(await verifier().verify(token, [audience])).toMatchObject({
      email: 'push@p.iam.gserviceaccount.com',
    });
  });
  it('refuses another audience, a tampered token, an expired one and a foreign issuer', async () => {
    const v = verifier();
    const good = await samples.signIdToken({ aud: audience });
    await expect(v.verify(good, ['another-audience'])).rejects.toThrow(Unauthorized);
    const [h, p, sig] = good.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), aud: 'x' }),
    ).toString('base64url');
    await expect(v.verify(`${h}.${forged}.${sig}`, ['x'])).rejects.toThrow(Unauthorized);
    const expired = await samples.signIdToken({ aud: audience, exp: Math.floor(Date.now() / 1000) - 600 });
    await expect(v.verify(expired, [audience])).rejects.toThrow(Unauthorized);
    const foreign = await samples.signIdToken({ aud: audience, iss: 'https://evil.example' });
    await expect(v.verify(foreign, [audience])).rejects.toThrow(Unauthorized);
    await expect(v.verify('not-a-jwt', [audience])).rejects.toThrow(Unauthorized);
  });
});

describe('GoogleBusinessReviews', () => {
  it('trades the refresh token for an access token, reads a review, and a deleted review is null', async () => {
    samples.addReview({
      name: 'accounts/1/locations/2/reviews/9',
      stars: 1,
      comment: 'awful',
      reviewer: 'R',
    });
    const reviews = new GoogleBusinessReviews(async () => ({ google: samples.credentials.google }), {
      token: `${samples.url}/token`,
      api: samples.url,
    });
    expect(await reviews.fetch('accounts/1/locations/2/reviews/9')).toMatchObject({
      starRating: 'ONE',
      comment: 'awful',
    });
    expect(await reviews.fetch('accounts/1/locations/2/reviews/gone')).toBeNull();
    const noCredentials = new GoogleBusinessReviews(async () => ({}), {
      token: `${samples.url}/token`,
      api: samples.url,
    });
    await expect(noCredentials.fetch('accounts/1/locations/2/reviews/9')).rejects.toThrow(
      /no Google OAuth credentials/,
    );
  });
});
