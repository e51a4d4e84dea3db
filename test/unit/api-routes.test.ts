import { beforeEach, describe, expect, it } from 'vitest';
import { API_ROUTES, type ApiDeps, complaintIdParameter, type RouteKey } from '#api/routes.ts';
import type { Complaint } from '#core/model/complaint.ts';
import { DEFAULT_SLA_POLICY } from '#core/sla/policy.ts';
import { timerName } from '#core/sla/timers.ts';
import type { Stats } from '#core/stats/summary.ts';
import { complaint, FixedClock, MemoryStore, MemoryTimers, RECEIVED } from '../support/fakes.ts';

let deps: ApiDeps & { store: MemoryStore; timers: MemoryTimers; clock: FixedClock };
const id = 'c_00000000000000000000000001';

beforeEach(async () => {
  deps = {
    store: new MemoryStore(),
    timers: new MemoryTimers(),
    clock: new FixedClock(new Date(Date.parse(RECEIVED) + 10 * 60_000)),
    policy: DEFAULT_SLA_POLICY,
    onWarning: () => {},
  };
  await deps.store.create(complaint({ id }), []);
});

/**
 * Calls a route the way the api handler does: its schemas parse the input, then its use-case runs;
 * every answer must match the route's response schema (what the OpenAPI document promises).
 */
async function call(key: RouteKey, input: { body?: unknown; query?: Record<string, string> } = {}) {
  const route = API_ROUTES[key];
  const result = await route.run(
    {
      id: complaintIdParameter(key, id),
      query: route.query ? route.query.parse(input.query ?? {}) : undefined,
      body: route.body ? route.body.parse(input.body ?? {}) : undefined,
      caller: 'agent@brand.example',
    },
    deps,
  );
  if (!route.produces) route.response.parse(result);
  return result;
}

describe('the API route table', () => {
  it('resolves a complaint, records who did it and stops its timers', async () => {
    const resolved = (await call('POST /complaints/{id}/resolve', { body: { note: 'refunded' } })) as {
      status: string;
    };
    expect(resolved.status).toBe('resolved');
    const timeline = await deps.store.timeline(id);
    expect(timeline.at(-1)).toMatchObject({
      type: 'resolved',
      detail: { by: 'api:agent@brand.example', note: 'refunded' },
    });
    expect(deps.timers.stopped).toEqual(new Set([timerName(id, 0)]));
  });

  it('reads the response rate and backlog for stats (last 30 days by default)', async () => {
    const before = (await call('GET /stats')) as Stats;
    expect([before.since, before.until]).toEqual(['2026-10-25', '2026-11-23']);
    expect([before.overall.received, before.overall.responseRate, before.backlog.open]).toEqual([1, 0, 1]);
    await call('POST /complaints/{id}/ack');
    const after = (await call('GET /stats', { query: { since: '2026-11-23', platform: 'x' } })) as Stats;
    expect(after.overall).toMatchObject({
      received: 1,
      responded: 1,
      respondedWithinTarget: 1,
      responseRate: 1,
    });
    expect(after.backlog.open).toBe(0);
    await expect(call('GET /stats', { query: { since: '2026-11-24', until: '2026-11-23' } })).rejects.toThrow(
      /since must not be after until/,
    );
    await expect(call('GET /stats', { query: { since: '2020-01-01', until: '2026-11-23' } })).rejects.toThrow(
      /at most 366 days/,
    );
    await expect(call('GET /stats', { query: { since: 'yesterday' } })).rejects.toThrow();
  });

  it('corrects the triage: away from complaint stops the clock, back starts a timer with a fresh name', async () => {
    const praise = (await call('PATCH /complaints/{id}', {
      body: { kind: 'praise', note: 'a thank-you' },
    })) as {
      ackDueAt: string | null;
    };
    expect(praise.ackDueAt).toBeNull();
    expect(deps.timers.stopped).toEqual(new Set([timerName(id, 0)]));
    const back = (await call('PATCH /complaints/{id}', {
      body: { kind: 'complaint', severity: 'critical' },
    })) as {
      ackDueAt: string;
      timerGeneration: number;
    };
    expect(Date.parse(back.ackDueAt) - Date.parse(RECEIVED)).toBe(15 * 60_000);
    expect(back.timerGeneration).toBe(1);
    expect(deps.timers.started).toEqual(new Set([timerName(id, 1)]));
    const corrections = (await deps.store.timeline(id)).filter((e) => e.type === 'corrected');
    expect(corrections.map((e) => e.detail['from'])).toEqual([
      { kind: 'complaint' },
      { kind: 'praise', severity: 'high' },
    ]);
  });

  it('refuses a correction made on a stale view (409), and re-reads one raced by another write', async () => {
    // The agent saw it as high severity; a follow-up has since made it critical.
    await deps.store.updateIf(
      id,
      {},
      { severity: 'critical' },
      { at: RECEIVED, type: 'follow-up', detail: {} },
    );
    await expect(
      call('PATCH /complaints/{id}', { body: { kind: 'question', expected: { severity: 'high' } } }),
    ).rejects.toMatchObject({ status: 409, message: expect.stringContaining('critical') });
    expect((await deps.store.get(id))!.kind).toBe('complaint');
    // Another agent writes between this correction's read and its write: without an expectation the
    // correction is computed again from what is there now, so the deadline matches the final triage.
    const store = deps.store;
    const updateIf = store.updateIf.bind(store);
    let raceTo: Complaint['severity'] | undefined = 'low';
    store.updateIf = async (...args) => {
      if (raceTo) {
        const severity = raceTo;
        raceTo = undefined;
        await updateIf(id, {}, { severity }, { at: RECEIVED, type: 'corrected', detail: {} });
      }
      return updateIf(...args);
    };
    const corrected = (await call('PATCH /complaints/{id}', { body: { kind: 'complaint' } })) as Complaint;
    expect(corrected.severity).toBe('low');
    expect(Date.parse(corrected.ackDueAt!) - Date.parse(RECEIVED)).toBe(
      DEFAULT_SLA_POLICY.targets.x.low * 60_000,
    );
    // With an expectation the same race is a conflict, never a silent overwrite.
    raceTo = 'medium';
    await expect(
      call('PATCH /complaints/{id}', { body: { severity: 'high', expected: { severity: 'low' } } }),
    ).rejects.toMatchObject({ status: 409 });
    expect((await deps.store.get(id))!.severity).toBe('medium');
  });

  it('reopens an acknowledged complaint with a new deadline from now and a fresh timer, keeping its first response for the stats', async () => {
    await call('POST /complaints/{id}/ack');
    deps.clock.current = new Date(Date.parse(RECEIVED) + 60 * 60_000);
    const reopened = (await call('POST /complaints/{id}/reopen', {
      body: { note: 'customer wrote back' },
    })) as Complaint;
    expect(reopened).toMatchObject({
      status: 'open',
      acknowledgedAt: null,
      ackDueAt: new Date(Date.parse(RECEIVED) + 90 * 60_000).toISOString(), // X high: 30 min from now
      firstResponseAt: new Date(Date.parse(RECEIVED) + 10 * 60_000).toISOString(),
      timerGeneration: 1,
    });
    expect(deps.timers.started).toEqual(new Set([timerName(id, 1)]));
    const stats = (await call('GET /stats', { query: { since: '2026-11-23' } })) as Stats;
    expect(stats.overall).toMatchObject({ responded: 1, respondedWithinTarget: 1 });
    expect(stats.backlog.open).toBe(1);
    await expect(call('POST /complaints/{id}/reopen')).rejects.toMatchObject({ status: 409 });
  });

  it('refuses to acknowledge a resolved complaint (409), and acknowledges twice as once', async () => {
    const first = (await call('POST /complaints/{id}/ack')) as Complaint;
    const again = (await call('POST /complaints/{id}/ack')) as Complaint;
    expect(again.acknowledgedAt).toBe(first.acknowledgedAt);
    await call('POST /complaints/{id}/resolve');
    await expect(call('POST /complaints/{id}/ack')).rejects.toMatchObject({ status: 409 });
  });

  it('assigns, records who from whom to whom, and refuses an assignment made on a stale view (409)', async () => {
    const ann = (await call('POST /complaints/{id}/assign', {
      body: { assignee: 'ann@brand.example' },
    })) as Complaint;
    expect(ann.assignee).toBe('ann@brand.example');
    // A lead who still sees it unassigned tries to give it to Bo: refused, Ann keeps it.
    await expect(
      call('POST /complaints/{id}/assign', {
        body: { assignee: 'bo@brand.example', expectedAssignee: null },
      }),
    ).rejects.toMatchObject({ status: 409 });
    const bo = (await call('POST /complaints/{id}/assign', {
      body: { assignee: 'bo@brand.example', expectedAssignee: 'ann@brand.example' },
    })) as Complaint;
    expect(bo.assignee).toBe('bo@brand.example');
    const assigned = (await deps.store.timeline(id)).filter((e) => e.type === 'assigned');
    expect(assigned.map((e) => [e.detail['from'], e.detail['to'], e.detail['by']])).toEqual([
      [null, 'ann@brand.example', 'api:agent@brand.example'],
      ['ann@brand.example', 'bo@brand.example', 'api:agent@brand.example'],
    ]);
    expect(() => API_ROUTES['POST /complaints/{id}/assign'].body!.parse({ assignee: '' })).toThrow();
  });

  it('acknowledges many at once and tells the outcome of each', async () => {
    const other = 'c_00000000000000000000000002';
    const resolvedOne = 'c_00000000000000000000000003';
    await deps.store.create(complaint({ id: other, externalId: '2' }), []);
    await deps.store.create(complaint({ id: resolvedOne, externalId: '3', status: 'resolved' }), []);
    const result = (await call('POST /complaints/ack', {
      body: { ids: [id, other, resolvedOne, 'c_00000000000000000000000009', id] },
    })) as { acknowledged: number; results: { id: string; outcome: string }[] };
    expect(result.acknowledged).toBe(2);
    expect(result.results.map((r) => r.outcome)).toEqual([
      'acknowledged',
      'acknowledged',
      'conflict',
      'not_found',
    ]);
    expect(() =>
      API_ROUTES['POST /complaints/ack'].body!.parse({ ids: Array.from({ length: 101 }, () => id) }),
    ).toThrow();
  });

  it('refuses a correction that corrects nothing, and unknown fields', () => {
    expect(() => API_ROUTES['PATCH /complaints/{id}'].body!.parse({ note: 'just a note' })).toThrow();
    expect(() =>
      API_ROUTES['PATCH /complaints/{id}'].body!.parse({ kind: 'complaint', admin: true }),
    ).toThrow();
  });

  it('answers 404 for an id that cannot be a complaint, before any read', () => {
    expect(() => complaintIdParameter('GET /complaints/{id}', '../etc')).toThrow(
      expect.objectContaining({ status: 404 }),
    );
  });
});
