import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Unauthorized } from '#core/model/errors.ts';
import type { QueuedEvent } from '#core/model/interaction.ts';
import { googleBusinessParser, REVIEW_NOTIFICATION } from '#core/platforms/google-business.ts';
import type { WebhookRequest } from '#core/platforms/parser.ts';
import { trustpilotParser } from '#core/platforms/trustpilot.ts';
import type { OidcVerifier, WebhookSecrets } from '#core/ports.ts';
import { processEvent } from '#core/use-cases/process-event.ts';
import { queuedEvent } from '../support/fakes.ts';
import { REVIEW_SECRETS } from '../support/signing.ts';

const docs = (name: string) =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/platform-docs', name), 'utf8')) as {
    source: string;
    body: Record<string, unknown>;
  };
const secrets = { ...REVIEW_SECRETS } as unknown as WebhookSecrets;
const NOW = new Date('2026-12-05T08:00:00Z');
const request = (source: 'trustpilot' | 'google', extra: Partial<WebhookRequest>): WebhookRequest => ({
  source,
  method: 'POST',
  headers: {},
  query: {},
  pathParameters: {},
  rawBody: Buffer.from('{}'),
  ...extra,
});
const queued = (platform: QueuedEvent['platform'], type: string, payload: unknown) =>
  queuedEvent(platform, type, payload, NOW);

describe('Trustpilot review webhooks', () => {
  const token = REVIEW_SECRETS.trustpilotUrlToken[0]!;
  it('accepts only the subscription URL’s token', () => {
    expect(() =>
      trustpilotParser.verify(request('trustpilot', { pathParameters: { token } }), secrets, NOW),
    ).not.toThrow();
    for (const wrong of ['', token.slice(1), `${token}x`, token.toUpperCase()])
      expect(() =>
        trustpilotParser.verify(request('trustpilot', { pathParameters: { token: wrong } }), secrets, NOW),
      ).toThrow(Unauthorized);
  });
  it('reads the documented example: a 5-star service review, not a complaint by its stars', () => {
    const { events, ignored } = trustpilotParser.split(
      docs('trustpilot.json').body,
      request('trustpilot', {}),
    );
    expect(ignored).toEqual([]);
    const [interaction] = trustpilotParser.normalize(
      queued('trustpilot', events[0]!.type, events[0]!.payload),
    );
    expect(interaction).toMatchObject({
      platform: 'trustpilot',
      action: 'create',
      externalId: '53bffd360000640002975387',
      text: 'Great service\nNothing other than excellent customer service.',
      rating: 5,
      author: { id: '53bffc3900006400017e5db8', name: 'Customer' },
      createdAt: '2017-05-20T09:34:44.000Z',
    });
  });
  it('maps updates to edits and deletions to deletes; product reviews carry `content`; other events are kept', () => {
    const split = trustpilotParser.split(
      {
        events: [
          { eventName: 'service-review-updated', eventData: { id: 'r1', text: 'now worse', stars: 1 } },
          { eventName: 'service-review-deleted', eventData: { id: 'r2' } },
          {
            eventName: 'product-review-created',
            eventData: { id: 'p1', content: 'broke in a day', stars: 2 },
          },
          { eventName: 'service-review-invitation-sent', eventData: {} },
        ],
      },
      request('trustpilot', {}),
    );
    expect(split.ignored).toEqual(['trustpilot:service-review-invitation-sent']);
    const actions = split.events.flatMap((e) =>
      trustpilotParser.normalize(queued('trustpilot', e.type, e.payload)),
    );
    expect(actions.map((i) => [i.externalId, i.action, i.text, i.rating])).toEqual([
      ['r1', 'edit', 'now worse', 1],
      ['r2', 'delete', '', undefined],
      ['p1', 'create', 'broke in a day', 2],
    ]);
  });
  it('never throws on any body', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => void trustpilotParser.split(body, request('trustpilot', {}))),
    );
  });
});

describe('Google Business Profile review notifications (Pub/Sub push)', () => {
  const audience = REVIEW_SECRETS.googlePushAudience[0]!;
  const account = REVIEW_SECRETS.googlePushServiceAccount[0]!;
  const oidc = (claims: Record<string, unknown>): OidcVerifier => ({
    verify: async (token, audiences) => {
      if (token !== 'good.token.sig' || !audiences.includes(audience)) throw new Unauthorized('bad token');
      return claims;
    },
  });
  const verify = (headers: Record<string, string>, claims: Record<string, unknown>) =>
    googleBusinessParser.verify(request('google', { headers }), secrets, NOW, { oidc: oidc(claims) });

  it('accepts a token Google signed for our audience and issued to our push service account only', async () => {
    const bearer = { authorization: 'Bearer good.token.sig' };
    await expect(verify(bearer, { email: account, email_verified: true })).resolves.toBeUndefined();
    await expect(
      verify(bearer, { email: 'someone@else.iam.gserviceaccount.com', email_verified: true }),
    ).rejects.toThrow(Unauthorized);
    await expect(verify(bearer, { email: account, email_verified: false })).rejects.toThrow(Unauthorized);
    await expect(
      verify({ authorization: 'Bearer forged.token.sig' }, { email: account, email_verified: true }),
    ).rejects.toThrow(Unauthorized);
    await expect(verify({}, {})).rejects.toThrow(/OIDC token/);
    await expect(
      googleBusinessParser.verify(request('google', { headers: bearer }), secrets, NOW),
    ).rejects.toThrow(Unauthorized);
  });

  it('reads the documented push envelope and the notification’s review name', () => {
    const { events, ignored } = googleBusinessParser.split(
      docs('google-pubsub-push.json').body,
      request('google', {}),
    );
    expect(ignored).toEqual([]);
    expect(events).toEqual([
      {
        platform: 'google',
        type: REVIEW_NOTIFICATION,
        payload: {
          type: 'NEW_REVIEW',
          reviewName: 'accounts/123/locations/456/reviews/AbC',
          locationName: 'accounts/123/locations/456',
          publishTime: '2021-02-26T19:13:55.749Z',
        },
      },
    ]);
  });

  it('keeps other notification types and unreadable data, never refusing them', () => {
    const push = (data: string) => ({ message: { data }, subscription: 's' });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
    expect(
      googleBusinessParser.split(push(b64({ type: 'NEW_QUESTION' })), request('google', {})).ignored,
    ).toEqual(['google:NEW_QUESTION']);
    expect(googleBusinessParser.split(push('%%%'), request('google', {})).ignored).toEqual([
      'google:unreadable',
    ]);
    expect(googleBusinessParser.split({ nope: 1 }, request('google', {})).ignored).toEqual([
      'google:unrecognized',
    ]);
    fc.assert(
      fc.property(fc.jsonValue(), (body) => void googleBusinessParser.split(body, request('google', {}))),
    );
  });

  it('normalizes the fetched review (stars, reviewer) and the owner’s reply as a brand reply; a deleted review is nothing', () => {
    const payload = { type: 'UPDATED_REVIEW', reviewName: 'accounts/1/locations/2/reviews/3' };
    const review = {
      name: 'accounts/1/locations/2/reviews/3',
      reviewId: '3',
      reviewer: { displayName: 'Sam', isAnonymous: false },
      starRating: 'TWO',
      comment: 'Rude staff',
      createTime: '2026-12-05T07:00:00Z',
      reviewReply: { comment: 'Sorry Sam', updateTime: '2026-12-05T07:30:00Z' },
    };
    expect(googleBusinessParser.resourceOf!(queued('google', REVIEW_NOTIFICATION, payload))).toBe(
      payload.reviewName,
    );
    const [stored, reply] = googleBusinessParser.normalize(
      queued('google', REVIEW_NOTIFICATION, { ...payload, resource: review }),
    );
    expect(stored).toMatchObject({
      action: 'edit',
      externalId: review.name,
      rating: 2,
      text: 'Rude staff',
      author: { name: 'Sam' },
      fromBrand: false,
    });
    expect(reply).toMatchObject({ fromBrand: true, inReplyTo: review.name, text: 'Sorry Sam' });
    expect(
      googleBusinessParser.normalize(queued('google', REVIEW_NOTIFICATION, { ...payload, resource: null })),
    ).toEqual([]);
  });

  it('dead-letters a notification with its reason when no Google credentials are configured', async () => {
    const event = queued('google', REVIEW_NOTIFICATION, {
      type: 'NEW_REVIEW',
      reviewName: 'accounts/1/locations/2/reviews/3',
    });
    const archive = { keep: async () => {}, keepUnhandled: async () => {}, forget: async () => {} };
    await expect(
      processEvent(event, { archive, clock: { now: () => NOW }, rawRetentionDays: 1 } as never),
    ).rejects.toThrow(/no google credentials are configured/);
  });
});
