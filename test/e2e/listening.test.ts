import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Complaint } from '#core/model/complaint.ts';
import { SAMPLE_BRAND } from '../../lib/local/listening-samples.ts';
import { BRAND_X_ID, xTweet } from '../fixtures/deliveries.ts';
import { eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

// Listening end to end on the twin: the pollers run on their schedules (every second here) against
// the local servers that answer as X, Google Alerts and RSS/Atom feeds do, and the review sites push
// as Trustpilot and Pub/Sub do. The SLA runs 600× faster: a 10-minute target is 1 s.
let t: TestTwin;
const TEN_MINUTES = { critical: 10, high: 10, medium: 10, low: 10 };

beforeAll(async () => {
  t = await startTestTwin({
    timeScale: 600,
    listening: 'empty',
    scheduleEverySeconds: 1,
    context: {
      heed: {
        stage: 'dev',
        sla: { targets: { web: TEN_MINUTES, x: TEN_MINUTES, trustpilot: TEN_MINUTES, google: TEN_MINUTES } },
      },
    },
  });
}, 180_000);
afterAll(async () => {
  await t?.stop();
});

const samples = () => t.twin.listening!;
const find = async (platform: string, match: (c: Complaint) => boolean) =>
  (await t.allComplaints()).filter((c) => c.platform === platform && match(c));
const pagesFor = (id: string) => t.outbox().filter((l) => l.complaintId === id);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('listening on the twin', () => {
  it('turns a Google Alerts entry into one complaint across polls, pages it when ignored, and leaves one that names no brand term without a clock', async () => {
    samples().addFeedEntry('google-alerts', {
      id: 'tag:google.com,2013:googlealerts/feed:1111',
      title: 'Acme Air loses bags, refuses refunds',
      url: 'https://news.example/acme-air-bags',
      body: 'Customers say Acme Air lost their luggage and nobody answers their complaints. A disgrace.',
    });
    samples().addFeedEntry('forum', {
      id: 'thread-77',
      title: 'Worst hotel ever',
      url: 'https://forum.example/77',
      body: 'The room was filthy and the staff rude, never again.',
    });
    const [complaint] = await eventually(
      async () => {
        const found = await find('web', (c) => c.text.includes('loses bags'));
        return found.length > 0 && found;
      },
      30_000,
      'the feed entry as a complaint',
    );
    expect(complaint).toMatchObject({
      kind: 'complaint',
      channel: 'public',
      permalink: 'https://news.example/acme-air-bags',
    });
    expect(complaint!.author.handle).toBe('google-alerts');
    const unrelated = await eventually(
      async () => (await find('web', (c) => c.text.includes('Worst hotel')))[0],
      30_000,
    );
    expect(unrelated.ackDueAt).toBeNull();
    expect(unrelated.reasons.join(' ')).toMatch(/names none of/);
    // Later polls: conditional GETs answered 304; the entry is not stored again.
    await eventually(
      () => (samples().served.get('GET /feeds/google-alerts.xml 304') ?? 0) >= 2,
      20_000,
      '304s',
    );
    expect(await find('web', (c) => c.text.includes('loses bags'))).toHaveLength(1);
    // Ignored: the ladder pages the team.
    await eventually(() => pagesFor(complaint!.id).some((l) => l.step === 'L1'), 30_000, 'the L1 page');
  });

  it('hears an unaddressed X post with the brand’s words once, and the brand’s reply on X acknowledges it', async () => {
    samples().addPost({
      id: '1999000000000000101',
      text: 'Acme Air cancelled my flight and the refund never came, what a joke',
      author: { id: '55501', username: 'traveller', name: 'A Traveller', followers: 12000, verified: true },
    });
    const [post] = await eventually(
      async () => {
        const found = await find('x', (c) => c.externalId === '1999000000000000101');
        return found.length > 0 && found;
      },
      30_000,
      'the X post as a complaint',
    );
    expect(post).toMatchObject({ kind: 'complaint', author: { handle: 'traveller', followers: 12000 } });
    await wait(2500); // more polls: since_id keeps it from coming back
    expect(await find('x', (c) => c.externalId === '1999000000000000101')).toHaveLength(1);
    expect(samples().served.get('GET /2/tweets/search/recent 200') ?? 0).toBeGreaterThan(1);
    // Ignored so far: paged like any complaint.
    await eventually(() => pagesFor(post!.id).some((l) => l.step === 'L1'), 30_000, 'the X post paged');
    // The brand answers on X: its reply arrives through the Account Activity webhook.
    const reply = await t.postX(
      xTweet({
        id: '1999000000000000102',
        userId: BRAND_X_ID,
        screenName: SAMPLE_BRAND.xHandle,
        text: '@traveller so sorry, we have refunded you today',
        inReplyTo: '1999000000000000101',
      }),
    );
    expect(reply.status).toBe(200);
    const acked = await eventually(
      async () => (await t.json<Complaint>(`/complaints/${post!.id}`)).status === 'acknowledged' || undefined,
      20_000,
      'the acknowledgement by the brand reply',
    );
    expect(acked).toBe(true);
  });

  it('takes a 1-star Trustpilot review once however often it is delivered, and refuses a wrong URL token', async () => {
    const token = t.twin.secrets.trustpilotUrlToken;
    const review = {
      id: '6500aaaabbbbccccdddd0001',
      title: 'Never again',
      text: 'Flight cancelled, no refund after six weeks.',
      stars: 1,
      createdAt: new Date().toISOString(),
      consumer: { id: '5f00consumer', name: 'Pat' },
    };
    for (let i = 0; i < 2; i++)
      expect(
        (
          await samples().sendTrustpilot(
            `${t.twin.url}/webhooks/trustpilot/${token}`,
            'service-review-created',
            review,
          )
        ).status,
      ).toBe(200);
    // Refused for its body, not its token: the problem never echoes the token (it is the secret).
    const notJson = await t.fetch(`/webhooks/trustpilot/${token}`, { method: 'POST', body: '{oops' });
    expect(notJson.status).toBe(400);
    const problem = await notJson.text();
    expect(problem).not.toContain(token);
    expect(problem).toContain('/webhooks/trustpilot/[redacted]');
    const wrong = await samples().sendTrustpilot(
      `${t.twin.url}/webhooks/trustpilot/${'x'.repeat(43)}`,
      'service-review-created',
      review,
    );
    expect(wrong.status).toBe(401);
    const [stored] = await eventually(
      async () => {
        const found = await find('trustpilot', (c) => c.externalId === review.id);
        return found.length > 0 && found;
      },
      30_000,
      'the Trustpilot review',
    );
    expect(stored).toMatchObject({
      kind: 'complaint',
      permalink: `https://www.trustpilot.com/reviews/${review.id}`,
    });
    expect(stored!.reasons).toContain('review: 1 star');
    await eventually(() => pagesFor(stored!.id).some((l) => l.step === 'L1'), 30_000, 'the review paged');
    expect(await find('trustpilot', (c) => c.externalId === review.id)).toHaveLength(1);
  });

  it('verifies a Google Pub/Sub push, fetches the review it names, and the owner’s reply acknowledges it', async () => {
    const name = 'accounts/111/locations/222/reviews/AbFvOqm1';
    samples().addReview({
      name,
      stars: 2,
      comment: 'Rude staff at the check-in desk and a two hour delay.',
      reviewer: 'Sam',
    });
    const target = {
      audience: t.twin.secrets.googlePushAudience,
      serviceAccount: t.twin.secrets.googlePushServiceAccount,
    };
    const url = `${t.twin.url}/webhooks/google-business`;
    expect((await samples().pushGoogleNotification(url, target, name)).status).toBe(200);
    expect((await samples().pushGoogleNotification(url, target, name)).status).toBe(200);
    // A token for another audience, or issued to another account, is refused.
    expect(
      (await samples().pushGoogleNotification(url, { ...target, audience: 'someone-else' }, name)).status,
    ).toBe(401);
    expect(
      (
        await samples().pushGoogleNotification(
          url,
          { ...target, serviceAccount: 'intruder@evil.iam.gserviceaccount.com' },
          name,
        )
      ).status,
    ).toBe(401);
    const [stored] = await eventually(
      async () => {
        const found = await find('google', (c) => c.externalId === name);
        return found.length > 0 && found;
      },
      30_000,
      'the Google review',
    );
    expect(stored).toMatchObject({ kind: 'complaint', author: { name: 'Sam' } });
    await eventually(
      () => pagesFor(stored!.id).some((l) => l.step === 'L1'),
      30_000,
      'the Google review paged',
    );
    samples().addReview({
      name,
      stars: 2,
      comment: 'Rude staff at the check-in desk and a two hour delay.',
      reviewer: 'Sam',
      reply: 'We are sorry, Sam: we have spoken to the team.',
    });
    expect((await samples().pushGoogleNotification(url, target, name, 'UPDATED_REVIEW')).status).toBe(200);
    await eventually(
      async () =>
        (await t.json<Complaint>(`/complaints/${stored!.id}`)).status === 'acknowledged' || undefined,
      20_000,
      'the owner’s reply acknowledging the review',
    );
    expect(await find('google', (c) => c.externalId === name)).toHaveLength(1);
  });
});
