import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Complaint } from '#core/model/complaint.ts';
import { ackDueAt, DEFAULT_SLA_POLICY, ladder, SlaPolicy } from '#core/sla/policy.ts';
import { advanceSla, buildNotification } from '#core/use-cases/advance-sla.ts';
import { acknowledge } from '#core/use-cases/manage-complaints.ts';
import {
  complaint,
  FixedClock,
  MemoryNotifier,
  MemoryStore,
  MemoryStormLedger,
  MemoryTimers,
  RECEIVED,
} from '../support/fakes.ts';

const MIN = 60_000;

describe('SLA policy', () => {
  it('uses the default targets per platform and severity', () => {
    const due = (platform: Complaint['platform'], severity: Complaint['severity']) =>
      (Date.parse(
        ackDueAt(DEFAULT_SLA_POLICY, { platform, severity, kind: 'complaint', receivedAt: RECEIVED })!,
      ) -
        Date.parse(RECEIVED)) /
      MIN;
    expect(due('x', 'high')).toBe(30);
    expect(due('facebook', 'high')).toBe(120);
    expect(due('whatsapp', 'high')).toBe(60);
    expect(due('instagram', 'critical')).toBe(15);
    expect(due('generic', 'low')).toBe(480);
  });

  it('starts no clock for kinds that are not actionable', () => {
    expect(
      ackDueAt(DEFAULT_SLA_POLICY, { platform: 'x', severity: 'low', kind: 'praise', receivedAt: RECEIVED }),
    ).toBeNull();
  });

  it('lays out warning at 75%, then L1 at breach, L2 +30 min, L3 +2 h', () => {
    const steps = ladder(DEFAULT_SLA_POLICY, complaint());
    expect(steps.map((s) => [s.id, (s.at.getTime() - Date.parse(RECEIVED)) / MIN])).toEqual([
      ['warning', 22.5],
      ['L1', 30],
      ['L2', 60],
      ['L3', 150],
    ]);
  });

  it('rejects levels that do not ascend', () => {
    const bad = {
      ...DEFAULT_SLA_POLICY,
      levels: [DEFAULT_SLA_POLICY.levels[1]!, DEFAULT_SLA_POLICY.levels[0]!],
    };
    expect(SlaPolicy.safeParse(bad).success).toBe(false);
  });
});

describe('advanceSla', () => {
  let store: MemoryStore;
  let notifier: MemoryNotifier;
  let clock: FixedClock;
  const deps = () => ({
    store,
    storms: new MemoryStormLedger(store),
    notifier,
    clock,
    policy: DEFAULT_SLA_POLICY,
    ackHint: (id: string) => `POST /complaints/${id}/ack`,
  });

  beforeEach(async () => {
    store = new MemoryStore();
    notifier = new MemoryNotifier();
    clock = new FixedClock(new Date(RECEIVED));
    await store.create(complaint(), []);
  });

  it('waits until the warning, then fires each step once, in order', async () => {
    const id = complaint().id;
    expect(await advanceSla(id, deps())).toEqual({
      done: false,
      waitSeconds: 22.5 * 60,
      nextStep: 'warning',
    });
    clock.advance(22.5 * MIN);
    expect(await advanceSla(id, deps())).toMatchObject({
      done: false,
      nextStep: 'L1',
      waitSeconds: 7.5 * 60,
    });
    clock.advance(7.5 * MIN);
    await advanceSla(id, deps());
    await advanceSla(id, deps()); // a retried task fires nothing twice
    expect(notifier.sent.map((n) => n.step)).toEqual(['warning', 'L1']);
    expect(await store.get(id)).toMatchObject({
      breached: true,
      escalationLevel: 1,
      slaSteps: ['warning', 'L1'],
    });
    clock.advance(200 * MIN);
    expect(await advanceSla(id, deps())).toEqual({ done: true, reason: 'ladder-complete' });
    expect(notifier.sent.map((n) => n.step)).toEqual(['warning', 'L1', 'L2', 'L3']);
  });

  it('sends nothing once acknowledged', async () => {
    const id = complaint().id;
    await acknowledge(id, 'agent@brand.example', undefined, {
      store,
      timers: new MemoryTimers(),
      clock,
      onWarning: () => {},
    });
    clock.advance(60 * MIN);
    expect(await advanceSla(id, deps())).toEqual({ done: true, reason: 'acknowledged' });
    expect(notifier.sent).toEqual([]);
  });

  it('releases a claimed step when publishing fails, so the retry sends it', async () => {
    const id = complaint().id;
    clock.advance(23 * MIN);
    notifier.failNext = true;
    await expect(advanceSla(id, deps())).rejects.toThrow('SNS unavailable');
    expect((await store.get(id))!.slaSteps).toEqual([]);
    await advanceSla(id, deps());
    expect(notifier.sent.map((n) => n.step)).toEqual(['warning']);
    expect((await store.timeline(id)).filter((e) => e.type === 'sla-warning')).toHaveLength(1);
  });

  it('writes a message a person can act on from a phone', () => {
    const n = buildNotification(
      complaint(),
      ladder(DEFAULT_SLA_POLICY, complaint())[1]!,
      new Date(Date.parse(RECEIVED) + 31 * MIN),
      'POST https://api/complaints/x/ack',
    );
    expect(n.subject).toBe('[Heed] L1 escalation: high complaint from @ann on X, waiting 31 min');
    expect(n.message).toContain('"my order is broken"');
    expect(n.message).toContain('Acknowledge: POST https://api/complaints/x/ack');
    expect(n.attributes).toMatchObject({ level: '1', severity: 'high', platform: 'x', audience: 'team' });
  });

  it('keeps customer-controlled fields on one bounded line, so SNS accepts the subject and no line can be forged', () => {
    const step = ladder(DEFAULT_SLA_POLICY, complaint())[1]!;
    const at = new Date(Date.parse(RECEIVED) + 31 * MIN);
    const hostile = complaint({
      author: { id: '1', name: 'Ann\r\nAcknowledge: https://evil.example/ack\u2028Complaint c_x' },
      text: 'broken\nAcknowledge: https://evil.example/2',
    });
    const n = buildNotification(hostile, step, at, 'https://console/c/1');
    expect(n.message.split('\n').filter((line) => line.startsWith('Acknowledge:'))).toEqual([
      'Acknowledge: https://console/c/1',
    ]);
    // What SNS documents for a subject: under 100 characters, no line breaks or control characters.
    const snsSubject = (subject: string) =>
      subject.length > 0 && subject.length < 100 && !/[\p{C}\p{Zl}\p{Zp}]/u.test(subject);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.option(fc.string({ unit: 'binary', maxLength: 80 }), { nil: undefined }),
        fc.string({ unit: 'binary', maxLength: 400 }),
        (name, handle, text) => {
          const c = complaint({ author: { id: '1', name, handle }, text });
          const sent = buildNotification(c, step, at, 'https://console/c/1');
          expect(snsSubject(sent.subject)).toBe(true);
          expect(sent.message.split('\n').filter((line) => line.startsWith('Acknowledge:'))).toHaveLength(1);
          expect(sent.message.split('\n').filter((line) => line.startsWith('Complaint '))).toHaveLength(1);
        },
      ),
    );
  });
});

describe('storm guard', () => {
  it('sends one digest per audience and interval when more than N complaints breach together, and still records each breach', async () => {
    const store = new MemoryStore();
    const notifier = new MemoryNotifier();
    const clock = new FixedClock(new Date(RECEIVED));
    const policy = {
      ...DEFAULT_SLA_POLICY,
      warningAt: null,
      storm: { threshold: 3, windowMinutes: 15, digestMinutes: 15 },
    };
    const deps = {
      store,
      storms: new MemoryStormLedger(store),
      notifier,
      clock,
      policy,
      ackHint: () => 'ack',
    };
    const ids = Array.from({ length: 6 }, (_, i) => `c_0000000000000000000000000${i}`);
    for (const [i, id] of ids.entries()) await store.create(complaint({ id, externalId: String(i) }), []);
    clock.advance(30 * MIN); // everyone breaches now
    const next = [];
    for (const id of ids) next.push(await advanceSla(id, deps));
    expect(notifier.sent.filter((n) => n.step === 'L1')).toHaveLength(3);
    for (const id of ids)
      expect((await store.timeline(id)).filter((e) => e.type === 'breached')).toHaveLength(1);
    // The stormed ones wait for the digest interval to end, then exactly one of them sends it.
    expect(next.slice(3).every((n) => !n.done && n.nextStep === 'digest')).toBe(true);
    clock.advance(16 * MIN);
    for (const id of ids) await advanceSla(id, deps);
    const digests = notifier.sent.filter((n) => n.step === 'digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({
      audience: 'team',
      level: 1,
      attributes: { digest: expect.stringMatching(/^team#1#\d+$/), count: '3' },
    });
    expect(digests[0]!.message.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(3);
    // Even a complaint acknowledged meanwhile helps deliver the digest it joined.
    expect(ids.every((id) => (store.items.get(id)!.complaint.pendingDigests ?? []).length === 0)).toBe(true);
  });
});
