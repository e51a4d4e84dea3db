import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SLA_POLICY, type SlaPolicy } from '#core/sla/policy.ts';
import { timerName } from '#core/sla/timers.ts';
import { advanceSla, CLAIM_LEASE_MS } from '#core/use-cases/advance-sla.ts';
import { complaintIdFor } from '#core/use-cases/complaint-id.ts';
import { acknowledge, correct } from '#core/use-cases/manage-complaints.ts';
import { processEvent } from '#core/use-cases/process-event.ts';
import { explainSteps } from '../../lib/cli/api-tools.ts';
import { queuedTweet } from '../fixtures/deliveries.ts';
import {
  complaint,
  FixedClock,
  MemoryNotifier,
  MemoryStore,
  MemoryStormLedger,
  MemoryTimers,
  processDeps,
} from '../support/fakes.ts';

// Regression tests for the bugs found reviewing the SLA ladder (issue 12), one per bug.
const MIN = 60_000;
let store: MemoryStore;
let notifier: MemoryNotifier;
let clock: FixedClock;
let timers: MemoryTimers;
let storms: MemoryStormLedger;

beforeEach(() => {
  store = new MemoryStore();
  storms = new MemoryStormLedger(store);
  notifier = new MemoryNotifier();
  timers = new MemoryTimers();
});

/** Storm mode from the `threshold`-th breach on, 15-minute windows and digests, no warning step. */
const stormPolicy = (threshold: number): SlaPolicy => ({
  ...DEFAULT_SLA_POLICY,
  warningAt: null,
  storm: { threshold, windowMinutes: 15, digestMinutes: 15 },
});

const sla = (policy: SlaPolicy = DEFAULT_SLA_POLICY) => ({
  store,
  storms,
  notifier,
  clock,
  policy,
  ackHint: (id: string) => `https://console/c/${id}`,
});

/**
 * Three complaints breach together in storm mode: the first is paged on its own, the other two join
 * one digest, whose interval has then ended.
 */
async function twoInADueDigest() {
  const policy = stormPolicy(1);
  clock = new FixedClock(new Date('2026-11-23T10:00:00.000Z'));
  const ids = [
    'c_00000000000000000000000001',
    'c_00000000000000000000000002',
    'c_00000000000000000000000003',
  ];
  for (const [i, id] of ids.entries()) await store.create(complaint({ id, externalId: `e${i}` }), []);
  clock.advance(30 * MIN);
  for (const id of ids) await advanceSla(id, sla(policy));
  clock.advance(16 * MIN);
  return { policy, ids };
}

describe('the SLA ladder, as reviewed', () => {
  it('gives a complaint that follows the same author’s praise its own clock', async () => {
    clock = new FixedClock(new Date('2026-11-23T10:00:00Z'));
    const deps = processDeps({ store, timers, clock });
    const tweet = (id: string, text: string, replyTo?: string) =>
      queuedTweet(clock.now(), id, text, { replyTo });
    await processEvent(tweet('700', '@brand love the new store! great job'), deps);
    clock.advance(2 * MIN);
    const [outcome] = await processEvent(
      tweet('701', '@brand my order arrived broken, nobody answers, refund me now', '700'),
      deps,
    );
    expect(outcome).toEqual({ complaintId: complaintIdFor('x', '701'), result: 'created' });
    const followed = (await store.get(complaintIdFor('x', '701')))!;
    expect(followed.kind).toBe('complaint');
    expect(followed.ackDueAt).not.toBeNull();
    expect(timers.started.has(timerName(followed.id, 0))).toBe(true);
  });

  it('pages a later level on time while an earlier level waits out its audience’s quiet hours', async () => {
    const policy: SlaPolicy = {
      ...DEFAULT_SLA_POLICY,
      quietHours: { team: { timeZone: 'UTC', start: '18:00', end: '09:00' } },
    };
    const received = '2026-11-23T20:00:00.000Z';
    clock = new FixedClock(new Date(received));
    const id = complaint().id;
    await store.create(
      complaint({ receivedAt: received, ackDueAt: '2026-11-23T20:30:00.000Z', severity: 'high' }),
      [],
    );
    const sentAt: Record<string, string> = {};
    for (const at of ['2026-11-23T21:00:00Z', '2026-11-23T22:30:00Z', '2026-11-24T09:00:00Z']) {
      clock.current = new Date(at);
      await advanceSla(id, sla(policy));
      for (const n of notifier.sent) sentAt[n.step] ??= at;
    }
    expect(sentAt).toEqual({
      L2: '2026-11-23T21:00:00Z', // on-call keeps no quiet hours: 30 min after the breach
      L3: '2026-11-23T22:30:00Z', // the manager: 2 h after
      L1: '2026-11-24T09:00:00Z', // the team's, at the end of its quiet hours; its warning is superseded
    });
    expect((await store.get(id))!.escalationLevel).toBe(3); // never lowered by L1 firing last
  });

  it('sends a breach on its own when the digest it would join has already gone out', async () => {
    const policy = stormPolicy(1);
    const received = '2026-11-23T10:00:00.000Z';
    clock = new FixedClock(new Date(received));
    const ids = [
      'c_00000000000000000000000001',
      'c_00000000000000000000000002',
      'c_00000000000000000000000003',
    ];
    for (const [i, id] of ids.entries()) await store.create(complaint({ id, externalId: `e${i}` }), []);
    clock.advance(30 * MIN);
    await advanceSla(ids[0]!, sla(policy)); // first breach: on its own
    await advanceSla(ids[1]!, sla(policy)); // second: into the digest
    clock.advance(16 * MIN);
    await advanceSla(ids[1]!, sla(policy)); // the digest goes out with one line
    await advanceSla(ids[2]!, sla(policy)); // a late breach in the same window
    const late = notifier.sent.filter((n) => n.complaintId === ids[2]);
    expect(late.map((n) => n.step)).toEqual(['L1']);
    expect(notifier.sent.filter((n) => n.step === 'digest')).toHaveLength(1);
  });

  it('gives a claimed digest back when reading its members fails, so a retry sends it', async () => {
    const { policy, ids } = await twoInADueDigest();
    const get = store.get.bind(store);
    let failed = false;
    store.get = async (id: string) => {
      // The member read after the claim fails once (a throttled read that ran out of retries).
      if (id === ids[2] && !failed && [...storms.digests.values()].some((d) => d.claim && !d.sent)) {
        failed = true;
        throw new Error('throttled');
      }
      return get(id);
    };
    await expect(advanceSla(ids[1]!, sla(policy))).rejects.toThrow('throttled');
    await advanceSla(ids[1]!, sla(policy)); // Step Functions retries the step
    const digests = notifier.sent.filter((n) => n.step === 'digest');
    expect(failed).toBe(true);
    expect(digests).toHaveLength(1);
    expect(digests[0]!.message.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(2);
  });

  it('sends a digest whose claimant died once, through another member, after the claim’s lease', async () => {
    const { policy, ids } = await twoInADueDigest();
    // The second member's step dies between its claim and its publish (its Lambda timed out).
    const [key] = (await store.get(ids[1]!))!.pendingDigests!;
    expect(
      (await storms.claimDigest(key!, { token: 'dead', at: clock.wallNow(), leaseMs: CLAIM_LEASE_MS })).state,
    ).toBe('claimed');
    const waiting = await advanceSla(ids[2]!, sla(policy));
    expect(notifier.sent.filter((n) => n.step === 'digest')).toHaveLength(0);
    expect(waiting).toMatchObject({ done: false, nextStep: 'digest', waitSeconds: CLAIM_LEASE_MS / 1000 });
    clock.advance(CLAIM_LEASE_MS + 1000);
    await advanceSla(ids[2]!, sla(policy));
    await advanceSla(ids[1]!, sla(policy));
    const digests = notifier.sent.filter((n) => n.step === 'digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]!.message.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(2);
    expect(ids.map((id) => store.items.get(id)!.complaint.pendingDigests ?? [])).toEqual([[], [], []]);
  });

  it('takes the level and the breach back with a step whose page failed', async () => {
    clock = new FixedClock(new Date('2026-11-23T10:00:00.000Z'));
    const id = complaint().id;
    await store.create(complaint(), []);
    clock.advance(31 * MIN);
    notifier.failNext = true;
    await expect(advanceSla(id, sla({ ...DEFAULT_SLA_POLICY, warningAt: null }))).rejects.toThrow();
    await acknowledge(id, 'agent', undefined, { store, timers, clock, onWarning: () => {} });
    expect(await store.get(id)).toMatchObject({ escalationLevel: 0, breached: false, slaSteps: [] });
  });

  it('starts the corrected deadline’s timer on a retried correction whose first start failed', async () => {
    clock = new FixedClock(new Date('2026-11-23T10:05:00.000Z'));
    const id = complaint().id;
    await store.create(complaint(), []);
    const failing = {
      start: async () => Promise.reject(new Error('ThrottlingException')),
      stop: async () => {},
    };
    const deps = { store, clock, policy: DEFAULT_SLA_POLICY, onWarning: () => {} };
    await expect(
      correct(id, 'agent', { severity: 'critical' }, { ...deps, timers: failing }),
    ).rejects.toThrow();
    await correct(id, 'agent', { severity: 'critical' }, { ...deps, timers });
    expect(timers.started.has(timerName(id, 1))).toBe(true);
  });

  it('pages a step whose claim was applied but whose response was lost (the SDK retried it)', async () => {
    clock = new FixedClock(new Date('2026-11-23T10:00:00.000Z'));
    const id = complaint().id;
    await store.create(complaint(), []);
    // DynamoDB applied the claim, the response was lost, the SDK sent the same request again.
    const lossy = Object.create(store) as MemoryStore;
    lossy.claimSlaStep = async (...args) => {
      await store.claimSlaStep(...args);
      return store.claimSlaStep(...args);
    };
    clock.advance(31 * MIN);
    await advanceSla(id, { ...sla({ ...DEFAULT_SLA_POLICY, warningAt: null }), store: lossy });
    expect(notifier.sent.map((n) => n.step)).toEqual(['L1']);
  });

  it('pages a step whose attempt died between the claim and the page, once its lease has run out', async () => {
    clock = new FixedClock(new Date('2026-11-23T10:31:00.000Z'));
    const id = complaint().id;
    await store.create(complaint(), []);
    const policy = { ...DEFAULT_SLA_POLICY, warningAt: null };
    // An attempt claims L1 and dies (a Lambda timeout): no page, no release.
    await store.claimSlaStep(
      id,
      'L1',
      {},
      { at: clock.now().toISOString(), type: 'breached', detail: {} },
      {
        token: 'dead-attempt',
        at: clock.wallNow(),
        leaseMs: CLAIM_LEASE_MS,
      },
    );
    clock.advance(10_000);
    const waiting = await advanceSla(id, sla(policy));
    expect(notifier.sent).toEqual([]);
    expect(waiting).toMatchObject({ done: false, nextStep: 'L1' });
    clock.advance(CLAIM_LEASE_MS);
    await advanceSla(id, sla(policy));
    await advanceSla(id, sla(policy));
    expect(notifier.sent.map((n) => n.step)).toEqual(['L1']);
  });

  it('detects a storm within a sliding window, also across a clock-aligned edge', async () => {
    const policy = stormPolicy(3);
    clock = new FixedClock(new Date('2026-11-23T10:16:00.000Z'));
    // Eight breaches within two minutes, across 10:15 (a multiple of 15 minutes).
    const ids = Array.from({ length: 8 }, (_, i) => `c_${String(i).padStart(26, '0')}`);
    for (const [i, id] of ids.entries()) {
      const due = new Date(Date.parse('2026-11-23T10:14:00.000Z') + i * 15_000).toISOString();
      await store.create(
        complaint({ id, externalId: `s${i}`, receivedAt: '2026-11-23T09:44:00.000Z', ackDueAt: due }),
        [],
      );
    }
    for (const id of ids) await advanceSla(id, sla(policy));
    expect(notifier.sent.filter((n) => n.step === 'L1').map((n) => n.complaintId)).toEqual(ids.slice(0, 3));
    // The other five reach their audience in the digests, each exactly once.
    clock.advance(30 * MIN);
    for (const id of ids) await advanceSla(id, sla(policy));
    const lines = notifier.sent
      .filter((n) => n.step === 'digest')
      .flatMap((n) => n.message.split('\n').filter((l) => l.startsWith('- ')));
    for (const id of ids.slice(3)) expect(lines.filter((l) => l.includes(id))).toHaveLength(1);
  });

  it('explains each step truthfully: sent, in a digest, superseded, deferred, or not sent', () => {
    const policy: SlaPolicy = {
      ...DEFAULT_SLA_POLICY,
      quietHours: {
        manager: { timeZone: 'UTC', start: '18:00', end: '09:00' },
        team: { timeZone: 'UTC', start: '20:10', end: '20:40' },
      },
    };
    const c = complaint({
      receivedAt: '2026-11-23T20:00:00.000Z',
      ackDueAt: '2026-11-23T20:30:00.000Z',
      slaSteps: ['L1', 'L2'],
      slaDelivery: {
        L1: { via: 'page', at: '2026-11-23T20:30:05.000Z' },
        L2: { via: 'digest', digest: 'oncall#2#1764361800000', at: '2026-11-23T21:00:02.000Z' },
      },
      status: 'acknowledged',
    });
    const lines = explainSteps(policy, c);
    expect(lines[0]).toMatch(/^ {2}warning .*skipped: the breach superseded it/);
    expect(lines[1]).toMatch(/^ {2}L1 .*sent 2026-11-23T20:30:05.000Z/);
    expect(lines[2]).toMatch(/^ {2}L2 .*in the storm digest oncall#2#1764361800000/);
    expect(lines[3]).toMatch(
      /^ {2}L3 .*not sent: acknowledged first \(due 2026-11-23T22:30:00.000Z, deferred by quiet hours\)/,
    );
  });
});
