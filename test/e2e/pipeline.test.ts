import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Complaint } from '#core/model/complaint.ts';
import { BRAND_X_ID, metaPageComment, xTweet } from '../fixtures/deliveries.ts';
import { eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

// 600×: a 30-minute X target passes in 3 s; the warning at 75% after ~2.3 s.
const TIME_SCALE = 600;
let t: TestTwin;

beforeAll(async () => {
  t = await startTestTwin({ timeScale: TIME_SCALE });
});
afterAll(async () => {
  await t?.stop();
});

type List = { items: Complaint[]; nextCursor: string | null };
const findByExternalId = async (externalId: string) =>
  (await t.json<List>('/complaints?limit=100')).items.find((c) => c.externalId === externalId);

/**
 * Waits for everything posted so far to be processed: posts a marker tweet and waits until it is
 * stored (the twin's queue is drained in order, one batch at a time).
 */
async function processedSoFar(markerId: string) {
  await t.postX(xTweet({ id: markerId, text: '@brand marker: my order is late' }));
  await eventually(() => findByExternalId(markerId), 10_000, 'the marker');
}

describe('the local twin, end to end', () => {
  it('serves health', async () => {
    expect(await (await t.fetch('/health')).json()).toEqual({ status: 'ok' });
  });

  it('stores a signed X mention and returns it from GET /complaints within a second', async () => {
    const started = Date.now();
    const response = await t.postX(xTweet({ id: '1790000000000000001' }));
    expect(response.status).toBe(200);
    const complaint = await eventually(() => findByExternalId('1790000000000000001'), 5000, 'the complaint');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(complaint).toMatchObject({
      platform: 'x',
      author: { id: '6253282', handle: 'ann_customer' },
      kind: 'complaint',
      severity: 'high',
      status: 'open',
      escalationLevel: 0,
      breached: false,
      acknowledgedAt: null,
    });
    expect(Date.parse(complaint.ackDueAt!) - Date.parse(complaint.receivedAt)).toBe(30 * 60_000);
    const single = await t.json<Complaint & { timeline: { type: string }[] }>(`/complaints/${complaint.id}`);
    expect(single.timeline.map((e) => e.type)).toEqual(['received', 'classified']);
  });

  it('escalates an ignored complaint through SNS into the outbox: warning, then L1', async () => {
    const complaint = await eventually(() => findByExternalId('1790000000000000001'));
    const lines = await eventually(
      () => {
        const mine = t.outbox().filter((l) => l.complaintId === complaint.id);
        return mine.some((l) => l.level === 1) && mine;
      },
      15_000,
      'the L1 escalation',
    );
    expect(lines.map((l) => l.step).slice(0, 2)).toEqual(['warning', 'L1']);
    const l1 = lines.find((l) => l.level === 1)!;
    expect(l1.subject).toMatch(
      /^\[Heed\] L1 escalation: high complaint from @ann_customer on X, waiting \d+ min/,
    );
    expect(l1.message).toContain('my order arrived broken');
    expect(l1.message).toContain(`Acknowledge: ${t.twin.url}/#/complaints/${complaint.id}`);
    expect(l1.attributes).toMatchObject({ level: '1', severity: 'high', platform: 'x', audience: 'team' });
    expect(Date.parse(l1.publishedAt)).not.toBeNaN();
    const after = await t.json<Complaint>(`/complaints/${complaint.id}`);
    expect(after).toMatchObject({ breached: true, escalationLevel: expect.any(Number) });
    expect(after.escalationLevel).toBeGreaterThanOrEqual(1);
  });

  it('sends nothing for a complaint acknowledged through the API, and stops its timer', async () => {
    await t.postX(
      xTweet({ id: '1790000000000000002', text: 'still waiting for my refund, this is ridiculous' }),
    );
    const complaint = await eventually(() => findByExternalId('1790000000000000002'));
    const sfn = new SFNClient({});
    const arn = t.timerArn(complaint.id);
    // The complaint is listed a moment before its timer starts (the processor stores, then starts
    // it): acknowledge a running timer, which the acknowledgement must stop.
    await eventually(
      () =>
        sfn
          .send(new DescribeExecutionCommand({ executionArn: arn }))
          .then((e) => e.status === 'RUNNING')
          .catch(() => false),
      10_000,
      'the timer to start',
    );
    const ack = await t.api(`/complaints/${complaint.id}/ack`, {
      method: 'POST',
      body: JSON.stringify({ note: 'on it' }),
    });
    expect(ack.status).toBe(200);
    const acknowledged = (await ack.json()) as Complaint;
    expect(acknowledged).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: { by: 'api:local-api-token', via: 'api' },
    });
    await eventually(
      async () => (await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status === 'ABORTED',
      5000,
      'the timer to stop',
    );
    // A stopped execution runs no further step (as in AWS), so nothing is ever published for it.
    expect(t.outbox().filter((l) => l.complaintId === complaint.id)).toEqual([]);
    // Acknowledging again is idempotent and keeps the first acknowledgement.
    const again = await t.json<Complaint>(`/complaints/${complaint.id}/ack`, { method: 'POST' });
    expect(again.acknowledgedAt).toBe(acknowledged.acknowledgedAt);
    const timeline = await t.json<{ timeline: { type: string }[] }>(`/complaints/${complaint.id}`);
    expect(timeline.timeline.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
  });

  it('rejects a bad signature with 401 and stores nothing', async () => {
    const before = (await t.json<List>('/complaints?limit=100')).items.length;
    const response = await t.postX(xTweet({ id: '1790000000000000003' }), 'sha256=d3Jvbmc=');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    await processedSoFar('1790000000000000103');
    expect((await t.json<List>('/complaints?limit=100')).items.length).toBe(before + 1);
    expect(await findByExternalId('1790000000000000003')).toBeUndefined();
  });

  it('stores a redelivered event once, and never stores a brand reply as a complaint', async () => {
    await t.postX(xTweet({ id: '1790000000000000004' }));
    await t.postX(xTweet({ id: '1790000000000000004' }));
    await t.postX(
      xTweet({
        id: '1790000000000000005',
        userId: BRAND_X_ID,
        inReplyTo: '1790000000000000004',
        text: 'Sorry! DM us',
      }),
    );
    await eventually(() => findByExternalId('1790000000000000004'));
    await processedSoFar('1790000000000000104');
    const items = (await t.json<List>('/complaints?limit=100')).items;
    expect(items.filter((c) => c.externalId === '1790000000000000004')).toHaveLength(1);
    expect(items.find((c) => c.externalId === '1790000000000000005')).toBeUndefined();
  });

  it('accepts a signed Meta Page comment', async () => {
    expect((await t.postMeta(metaPageComment)).status).toBe(200);
    const complaint = await eventually(() => findByExternalId('444444444_555555555'));
    expect(complaint).toMatchObject({ platform: 'facebook', author: { name: 'Sam Visitor' } });
    // The Facebook column of the default targets (README § SLA), for whatever severity triage gave.
    const facebookMinutes = { critical: 15, high: 120, medium: 240, low: 480 }[complaint.severity];
    expect(Date.parse(complaint.ackDueAt!) - Date.parse(complaint.receivedAt)).toBe(facebookMinutes * 60_000);
  });
});

describe('the contract for handshakes and bad input', () => {
  it('answers the X CRC and the Meta handshake', async () => {
    const crc = await t.fetch('/webhooks/x?crc_token=M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0');
    expect(await crc.json()).toEqual({ response_token: expect.stringMatching(/^sha256=[A-Za-z0-9+/]+=*$/) });
    const hub = await t.fetch(
      `/webhooks/meta?hub.mode=subscribe&hub.verify_token=${t.twin.secrets.metaVerifyToken}&hub.challenge=1158201444`,
    );
    expect([hub.status, hub.headers.get('content-type'), await hub.text()]).toEqual([
      200,
      'text/plain',
      '1158201444',
    ]);
    expect(
      (await t.fetch('/webhooks/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1')).status,
    ).toBe(403);
  });

  it.each([
    ['malformed JSON', 400, () => t.postX('{"for_user_id":')],
    ['an oversize body', 413, () => t.postX(JSON.stringify({ pad: 'x'.repeat(1_100_000) }))],
    ['an unknown route without a token', 401, () => t.fetch('/nope')],
    ['an unknown route', 404, () => t.api('/nope')],
    [
      'an unknown webhook source',
      404,
      () => t.fetch('/webhooks/generic/Bad%20Source!', { method: 'POST', body: '{}' }),
    ],
    ['a missing token', 401, () => t.fetch('/complaints')],
    ['a wrong token', 401, () => t.fetch('/complaints', { headers: { authorization: 'Bearer nope' } })],
    ['an unknown complaint', 404, () => t.api('/complaints/c_00000000000000000000000000')],
    ['a bad filter', 400, () => t.api('/complaints?status=lost')],
    ['a bad cursor', 400, () => t.api('/complaints?cursor=abc')],
    [
      'a bad ack body',
      400,
      () => t.api('/complaints/c_00000000000000000000000000/ack', { method: 'POST', body: '{"note":' }),
    ],
  ] as const)('answers %s with a JSON %i', async (what, status, call) => {
    const response = await call();
    expect(response.status).toBe(status);
    const body = await response.json();
    // Routing and the JWT authorizer answer as API Gateway does; Heed's functions with RFC 9457.
    if (['an unknown route without a token', 'a missing token', 'a wrong token'].includes(what))
      expect(body).toEqual({ message: expect.any(String) });
    else {
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(body).toMatchObject({
        type: expect.stringMatching(/^urn:heed:problem:/),
        title: expect.any(String),
        status,
        detail: expect.any(String),
      });
    }
  });

  it('pages with cursor and limit', async () => {
    const first = await t.json<List>('/complaints?limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await t.json<List>(`/complaints?limit=1&cursor=${first.nextCursor}`);
    expect(second.items[0]!.id).not.toBe(first.items[0]!.id);
  });
});
