import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Complaint } from '#core/model/complaint.ts';
import { BusinessCalendar } from '#core/sla/calendar.ts';
import { bucketOf, cellId, contribution, contributionDelta, TTA_BUCKETS } from '#core/stats/counters.ts';
import { buildStats, histogramQuantile } from '#core/stats/summary.ts';
import { stats } from '#core/use-cases/manage-complaints.ts';
import { complaint, FixedClock, MemoryStore, RECEIVED } from '../support/fakes.ts';

const at = (minutes: number) => new Date(Date.parse(RECEIVED) + minutes * 60_000).toISOString();
const nineToFive = BusinessCalendar.parse({
  timeZone: 'Europe/London',
  weekly: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] },
});

describe('what a complaint adds to the counters', () => {
  it('counts only complaints that needed a response, by received day, platform and severity', () => {
    expect(contribution(complaint({ ackDueAt: null, kind: 'praise' }), null)).toEqual([]);
    expect(contribution(complaint({ test: true }), null)).toEqual([]);
    const open = contribution(complaint(), null);
    expect(open.map((c) => cellId(c.cell))).toEqual(['cohort|2026-11-23|x|high', 'backlog|x|high']);
    expect(open[0]!.counters).toEqual({ received: 1 });
  });

  it('adds the response, whether it met the target, the time to acknowledge (calendar and business), breaches and escalations', () => {
    // Received Monday 10:00 UTC, due at 10:30 (X high: 30 min); acknowledged at 17:30, after hours.
    const late = complaint({
      status: 'acknowledged',
      acknowledgedAt: at(450),
      breached: true,
      slaSteps: ['L1', 'L2', 'warning'],
    });
    const [cohort, ...rest] = contribution(late, nineToFive);
    expect(rest).toEqual([]); // no longer in the backlog
    expect(cohort!.counters).toEqual({
      received: 1,
      responded: 1,
      breached: 1,
      escL1: 1,
      escL2: 1,
      [`tta${bucketOf(450)}`]: 1,
      [`btta${bucketOf(420)}`]: 1, // 10:00–17:00 working
    });
    const resolvedInTime = contribution(complaint({ status: 'resolved', resolvedAt: at(20) }), null);
    expect(resolvedInTime[0]!.counters).toMatchObject({ responded: 1, withinTarget: 1 });
  });

  it('moves between cells when a correction changes the severity, and a delta of nothing is empty', () => {
    const before = contribution(complaint(), null);
    const after = contribution(complaint({ severity: 'critical' }), null);
    expect(contributionDelta(before, after).map((d) => [cellId(d.cell), d.counters])).toEqual([
      ['cohort|2026-11-23|x|high', { received: -1 }],
      ['backlog|x|high', { open: -1 }],
      ['cohort|2026-11-23|x|critical', { received: 1 }],
      ['backlog|x|critical', { open: 1 }],
    ]);
    expect(contributionDelta(after, after)).toEqual([]);
  });

  it('applying deltas along any path of states leaves exactly the last state’s contribution', () => {
    const state = fc.record({
      status: fc.constantFrom('open', 'acknowledged', 'resolved'),
      severity: fc.constantFrom('low', 'medium', 'high', 'critical'),
      acknowledgedAt: fc.option(fc.integer({ min: 0, max: 50_000 }).map(at), { nil: null }),
      breached: fc.boolean(),
      clocked: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(state, { minLength: 1, maxLength: 8 }), (states) => {
        const totals = new Map<string, number>();
        let applied: ReturnType<typeof contribution> = [];
        for (const s of states) {
          const c: Complaint = complaint({ ...s, ackDueAt: s.clocked ? at(30) : null });
          const next = contribution(c, nineToFive);
          for (const { cell, counters } of contributionDelta(applied, next))
            for (const [name, n] of Object.entries(counters))
              totals.set(`${cellId(cell)}/${name}`, (totals.get(`${cellId(cell)}/${name}`) ?? 0) + n);
          applied = next;
        }
        const expected = new Map<string, number>(
          applied.flatMap(({ cell, counters }) =>
            Object.entries(counters).map(([name, n]) => [`${cellId(cell)}/${name}`, n] as const),
          ),
        );
        for (const [key, n] of totals) expect(n, key).toBe(expected.get(key) ?? 0);
      }),
    );
  });
});

describe('reading the numbers', () => {
  it('estimates percentiles within histogram buckets', () => {
    const counts = Array.from({ length: TTA_BUCKETS.length + 1 }, () => 0);
    expect(histogramQuantile(counts, 0.5)).toBeNull();
    counts[bucketOf(12)] = 10; // ten responses in (10, 15] minutes
    expect(histogramQuantile(counts, 0.5)).toBe(12.5);
    expect(histogramQuantile(counts, 0.9)).toBe(14.5);
    counts[TTA_BUCKETS.length] = 90; // 90 slower than two weeks: reported as at least the last bound
    expect(histogramQuantile(counts, 0.9)).toBe(20160);
  });

  it('gives the response rate, breach rate, time to acknowledge, escalations and backlog, overall, per platform and per day', async () => {
    const store = new MemoryStore();
    const make = (n: number, overrides: Partial<Complaint>) =>
      store.create(
        complaint({ id: `c_${String(n).padStart(26, '0')}`, externalId: String(n), ...overrides }),
        [],
      );
    await make(1, { status: 'acknowledged', acknowledgedAt: at(10) });
    await make(2, { status: 'acknowledged', acknowledgedAt: at(40), breached: true, slaSteps: ['L1'] });
    await make(3, { breached: true, slaSteps: ['L1', 'L2'] });
    await make(4, {
      platform: 'facebook',
      severity: 'low',
      receivedAt: '2026-11-24T08:00:00.000Z',
      ackDueAt: at(24 * 60),
    });
    await make(5, { kind: 'praise', ackDueAt: null });
    const result = await stats(
      { since: '2026-11-23', until: '2026-11-24' },
      { store, clock: new FixedClock(new Date()) },
    );
    expect(result.overall).toMatchObject({
      received: 4,
      responded: 2,
      respondedWithinTarget: 1,
      responseRate: 0.5,
      withinTargetRate: 0.25,
      breached: 2,
      breachRate: 0.5,
      escalations: { L1: 2, L2: 1 },
    });
    expect(result.overall.timeToAcknowledge.p50Minutes).toBeGreaterThan(5);
    expect(result.byPlatform['x']).toMatchObject({ received: 3, responded: 2 });
    expect(result.byPlatform['facebook']).toMatchObject({ received: 1, responded: 0, responseRate: 0 });
    expect(result.daily.map((d) => [d.day, d.received])).toEqual([
      ['2026-11-23', 3],
      ['2026-11-24', 1],
    ]);
    expect(result.backlog).toEqual({ open: 2, bySeverity: { low: 1, medium: 0, high: 1, critical: 0 } });
    const onlyFacebook = buildStats((await store.statsCounts('2026-11-23', '2026-11-24')).cohorts, [], {
      since: '2026-11-23',
      until: '2026-11-24',
      platform: 'facebook',
    });
    expect(onlyFacebook.overall.received).toBe(1);
  });
});
