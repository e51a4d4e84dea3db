import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Complaint } from '#core/model/complaint.ts';
import { parseStageConfig, withSlaDefaults } from '../../lib/config/stage-config.ts';
import { BRAND_X_ID, xTweet } from '../fixtures/deliveries.ts';
import { compare, expectedPages } from '../support/ladder-simulation.ts';
import { eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

// 600×: X high = 30 min → 3 s; warning at 2.25 s; L2 (+30 min) at 6 s.
let t: TestTwin;
type Detail = Complaint & { timeline: { type: string; detail: Record<string, unknown> }[] };

beforeAll(async () => {
  t = await startTestTwin({
    timeScale: 600,
    context: {
      heed: { stage: 'dev', sla: { storm: { threshold: 3, windowMinutes: 15, digestMinutes: 15 } } },
    },
  });
});
afterAll(async () => {
  await t?.stop();
});

const byExternalId = async (externalId: string) =>
  (await t.json<{ items: Complaint[] }>('/complaints?limit=100')).items.find(
    (c) => c.externalId === externalId,
  );

describe('the escalation ladder on the local twin', () => {
  it('pages an ignored complaint: warning, then L1 (team, email), then L2 (on-call, SMS and email)', async () => {
    await t.postX(
      xTweet({
        id: '1860000000000000001',
        text: '@brand my order arrived broken and nobody answers. Terrible service',
      }),
    );
    const complaint = await eventually(() => byExternalId('1860000000000000001'));
    const lines = await eventually(
      () => {
        const mine = t.outbox().filter((l) => l.complaintId === complaint.id);
        return mine.some((l) => l.level === 2) && mine;
      },
      20_000,
      'the L2 escalation',
    );
    expect(
      lines.map((l) => [l.step, l.attributes['audience'], l.attributes['channels']]).slice(0, 3),
    ).toEqual([
      ['warning', 'team', 'email'],
      ['L1', 'team', 'email'],
      ['L2', 'oncall', 'sms,email'],
    ]);
    for (const line of lines)
      expect(line.attributes).toMatchObject({ severity: 'high', platform: 'x', team: 'support' });
    const detail = await t.json<Detail>(`/complaints/${complaint.id}`);
    expect(detail).toMatchObject({ breached: true });
    expect(detail.escalationLevel).toBeGreaterThanOrEqual(2);
    // Each step is in the timeline exactly once.
    for (const step of ['warning', 'L1', 'L2'])
      expect(detail.timeline.filter((e) => e.detail['step'] === step)).toHaveLength(1);
  });

  it('plans a new timer from a tighter deadline when an agent raises the severity', async () => {
    await t.postX(xTweet({ id: '1860000000000000021', text: '@brand hi, my parcel is a day late' }));
    const complaint = await eventually(() => byExternalId('1860000000000000021'));
    expect(complaint.severity).not.toBe('critical');
    const response = await t.api(`/complaints/${complaint.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ kind: 'complaint', severity: 'critical' }),
    });
    expect(response.status).toBe(200);
    const corrected = await t.json<Complaint>(`/complaints/${complaint.id}`);
    expect(Date.parse(corrected.ackDueAt!) - Date.parse(corrected.receivedAt)).toBe(15 * 60_000);
    const arn = t.timerArn(complaint.id, 1);
    const execution = await new SFNClient({}).send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(JSON.parse(execution.input!)).toEqual({ complaintId: complaint.id });
    const lines = await eventually(
      () => {
        const mine = t.outbox().filter((l) => l.complaintId === complaint.id);
        return mine.some((l) => l.step === 'L1') && mine;
      },
      10_000,
      'the L1 escalation of the corrected severity',
    );
    expect(lines.find((l) => l.step === 'L1')!.attributes).toMatchObject({ severity: 'critical' });
  });

  it('pages on time after a correction away from complaint and back (every restart gets a fresh timer)', async () => {
    await t.postX(xTweet({ id: '1860000000000000031', text: '@brand hi, my parcel is a day late' }));
    const complaint = await eventually(() => byExternalId('1860000000000000031'));
    const patch = (body: object) =>
      t.api(`/complaints/${complaint.id}`, { method: 'PATCH', body: JSON.stringify(body) });
    expect((await patch({ kind: 'complaint', severity: 'critical' })).status).toBe(200);
    expect((await patch({ kind: 'praise' })).status).toBe(200);
    const silenced = await t.json<Complaint>(`/complaints/${complaint.id}`);
    expect(silenced.ackDueAt).toBeNull();
    // Back to a complaint at the same severity: the timer name used before must not be reused.
    expect((await patch({ kind: 'complaint' })).status).toBe(200);
    const line = await eventually(
      () => t.outbox().find((l) => l.complaintId === complaint.id && l.step === 'L1'),
      15_000,
      'the L1 page after the round trip',
    );
    expect(line.attributes).toMatchObject({ severity: 'critical' });
    const sfn = new SFNClient({});
    expect(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: t.timerArn(complaint.id, 1) }))).status,
    ).toBe('ABORTED');
    expect(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: t.timerArn(complaint.id, 2) }))).status,
    ).not.toBe('ABORTED');
  });

  it('pages on time a complaint that follows its author’s own praise in the same thread', async () => {
    await t.postX(xTweet({ id: '1860000000000000041', text: '@brand love the new store! great job' }));
    const praise = await eventually(() => byExternalId('1860000000000000041'));
    expect(praise.ackDueAt).toBeNull();
    await t.postX(
      xTweet({
        id: '1860000000000000042',
        inReplyTo: '1860000000000000041',
        text: '@brand my order arrived broken, nobody answers, refund me now',
      }),
    );
    const complaint = await eventually(() => byExternalId('1860000000000000042'));
    expect(complaint.kind).toBe('complaint');
    expect(complaint.ackDueAt).not.toBeNull();
    const line = await eventually(
      () => t.outbox().find((l) => l.complaintId === complaint.id && l.step === 'L1'),
      15_000,
      'the L1 page of the complaint after the praise',
    );
    expect(Date.parse(line.publishedAt)).toBeGreaterThan(0);
  });

  it('sends nothing after a brand reply arrives through the webhook, and stops the timer', async () => {
    await t.postX(
      xTweet({ id: '1860000000000000002', text: '@brand refund still missing after 3 weeks, unacceptable' }),
    );
    const complaint = await eventually(() => byExternalId('1860000000000000002'));
    await t.postX(
      xTweet({
        id: '1860000000000000003',
        userId: BRAND_X_ID,
        inReplyTo: '1860000000000000002',
        text: '@ann_customer so sorry, sending a DM',
      }),
    );
    const acknowledged = await eventually(
      async () => {
        const c = await t.json<Complaint>(`/complaints/${complaint.id}`);
        return c.status === 'acknowledged' && c;
      },
      5000,
      'the brand reply to acknowledge',
    );
    expect(acknowledged.acknowledgedBy).toMatchObject({ by: 'x:1860000000000000003', via: 'brand-reply' });
    const arn = t.timerArn(complaint.id, 0);
    await eventually(
      async () =>
        (await new SFNClient({}).send(new DescribeExecutionCommand({ executionArn: arn }))).status ===
        'ABORTED',
      5000,
      'the timer to stop',
    );
    // A stopped execution runs no further step (as in AWS): nothing is ever published for it.
    expect(t.outbox().filter((l) => l.complaintId === complaint.id)).toEqual([]);
  });

  it('sends one digest instead of a message per complaint in a storm, while each timeline records its breach', async () => {
    const ids = [
      '1860000000000000011',
      '1860000000000000012',
      '1860000000000000013',
      '1860000000000000014',
      '1860000000000000015',
    ];
    const [first] = ids.map((id) =>
      xTweet({ id, text: `@brand the app is broken again and nobody answers (${id})` }),
    );
    const storm = {
      ...first,
      tweet_create_events: ids.map(
        (id) =>
          xTweet({ id, text: `@brand my order is broken again and nobody answers ${id.slice(-2)}` })
            .tweet_create_events[0],
      ),
    };
    expect((await t.postX(storm)).status).toBe(200);
    const complaints = await eventually(async () => {
      const found = await Promise.all(ids.map(byExternalId));
      return found.every(Boolean) && (found as Complaint[]);
    });
    const mine = new Set(complaints.map((c) => c.id));
    const reached = (id: string) => {
      const lines = t.outbox().filter((l) => l.attributes['audience'] === 'team');
      return (
        lines.filter((l) => l.step === 'L1' && l.complaintId === id).length +
        lines
          .filter((l) => l.step === 'digest')
          .flatMap((l) => l.message.split('\n').filter((line) => line.startsWith('- ') && line.includes(id)))
          .length
      );
    };
    await eventually(
      () => complaints.every((c) => reached(c.id) >= 1),
      15_000,
      'every breach to reach the team',
    );
    const digest = t.outbox().find((l) => l.step === 'digest' && l.attributes['audience'] === 'team')!;
    // Other tests' breaches of the same level may share the sliding window: at most three of these
    // go out on their own, the rest in the digest, and each breach reaches the team exactly once.
    const individualL1 = t.outbox().filter((l) => mine.has(l.complaintId) && l.step === 'L1');
    expect(individualL1.length).toBeLessThanOrEqual(3);
    const digestLines = t
      .outbox()
      .filter((l) => l.step === 'digest' && l.attributes['audience'] === 'team')
      .flatMap((l) => l.message.split('\n').filter((line) => line.startsWith('- ')));
    for (const c of complaints) {
      const alone = individualL1.filter((l) => l.complaintId === c.id).length;
      const inDigest = digestLines.filter((line) => line.includes(c.id)).length;
      expect(alone + inDigest).toBe(1);
    }
    expect(digest.subject).toMatch(/Storm: \d+ complaints/);
    for (const c of complaints) {
      const detail = await t.json<Detail>(`/complaints/${c.id}`);
      expect(detail.timeline.filter((e) => e.type === 'breached')).toHaveLength(1);
    }
  });

  it('pages what the reference model says on the twin (real store, state machine and SNS)', async () => {
    const policy = parseStageConfig(
      withSlaDefaults({
        stage: 'dev',
        sla: { storm: { threshold: 3, windowMinutes: 15, digestMinutes: 15 } },
      }),
    ).sla;
    const texts = [
      '@brand my order arrived broken and nobody answers. Terrible service',
      '@brand you charged me twice, this is fraud, fix it now or I go to my lawyer',
      '@brand hi, my parcel is a day late',
      '@brand the app keeps crashing since the update, so annoying',
    ];
    const ids = texts.map((_, i) => `18600000000000001${i}0`);
    for (const [i, text] of texts.entries()) await t.postX(xTweet({ id: ids[i], text, userId: `77${i}` }));
    const complaints = await eventually(async () => {
      const found = await Promise.all(ids.map(byExternalId));
      return found.every(Boolean) && (found as Complaint[]);
    });
    // Two of them are acknowledged at a random moment, the others left to run their whole ladder.
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3000)));
    const acked = new Map<string, number>();
    for (const c of complaints.slice(0, 2)) {
      const after = await t.json<Complaint>(`/complaints/${c.id}/ack`, { method: 'POST' });
      acked.set(c.id, Date.parse(after.acknowledgedAt!));
    }
    const model = complaints.map((c) => ({
      id: c.id,
      platform: c.platform,
      severity: c.severity,
      receivedAt: Date.parse(c.receivedAt),
      acknowledgedAt: acked.get(c.id),
    }));
    // Judged over the first 200 domain minutes (20 s here): time for every level of a high or critical
    // complaint, and the first of a low one.
    const horizon = Math.min(...model.map((c) => c.receivedAt)) + 200 * 60_000;
    const lateness = 25 * 60_000;
    const expected = expectedPages(policy, model).filter((p) => p.at <= horizon - lateness);
    // The outbox carries SNS's (wall-clock) timestamps; the ladder runs on the twin's 600× clock.
    const epoch = Number(process.env['HEED_CLOCK_EPOCH']);
    const domain = (published: string) => epoch + (Date.parse(published) - epoch) * t.twin.timeScale;
    const sentOnTwin = () =>
      t.outbox().flatMap((l) =>
        l.step === 'digest'
          ? l.message
              .split('\n')
              .flatMap((line) => /\((c_[^)]+)\)$/.exec(line)?.slice(1) ?? [])
              .map((complaintId) => ({ complaintId, step: `L${l.level}`, at: domain(l.publishedAt) }))
          : [{ complaintId: l.complaintId, step: l.step, at: domain(l.publishedAt) }],
      );
    const required = expected.filter((p) => !acked.has(p.complaintId));
    await eventually(
      () =>
        required.every((p) => sentOnTwin().some((s) => s.complaintId === p.complaintId && s.step === p.step)),
      40_000,
      'every page the model requires',
    );
    const mine = new Set(complaints.map((c) => c.id));
    const ackAt = new Map(model.map((c) => [c.id, c.acknowledgedAt ?? Number.POSITIVE_INFINITY]));
    const noFaults = {
      lostClaimResponse: 0,
      publishFailure: 0,
      crashAfterClaim: 0,
      duplicateTick: 0,
      startFailure: 0,
    };
    // The twin's waits are whole seconds of a 600× clock: up to 10 domain minutes late.
    const problems = compare(
      expected,
      sentOnTwin().filter((s) => mine.has(s.complaintId) && s.at <= horizon - lateness),
      ackAt,
      noFaults,
      policy.storm,
      lateness,
    );
    expect(problems).toEqual([]);
  }, 60_000);
});
