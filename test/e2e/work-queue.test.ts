import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Complaint } from '#core/model/complaint.ts';
import { xTweet } from '../fixtures/deliveries.ts';
import { eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

// Working the queue on the twin: assign, reopen, bulk acknowledge, conflicts. 600×: X high = 30 min → 3 s.
let t: TestTwin;
beforeAll(async () => {
  t = await startTestTwin({ timeScale: 600 });
});
afterAll(async () => {
  await t?.stop();
});

const post = (path: string, body: unknown = {}) =>
  t.api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function complaints(ids: string[]): Promise<Complaint[]> {
  for (const [i, id] of ids.entries())
    expect(
      (await t.postX(xTweet({ id, userId: `88${i}`, text: '@brand you charged me twice, fix it now' })))
        .status,
    ).toBe(200);
  return eventually(
    async () => {
      const { items } = await t.json<{ items: Complaint[] }>('/complaints?limit=100');
      const found = ids.map((id) => items.find((c) => c.externalId === id));
      return found.every(Boolean) && (found as Complaint[]);
    },
    20_000,
    'complaints stored',
  );
}

it('assigns with a conflict check, acknowledges in bulk, and reopens onto a new timer', async () => {
  const [a, b, c] = await complaints(['1896000000000000001', '1896000000000000002', '1896000000000000003']);
  const assigned = await post(`/complaints/${a!.id}/assign`, {
    assignee: 'ann@brand.example',
    expectedAssignee: null,
  });
  expect(assigned.status).toBe(200);
  const stale = await post(`/complaints/${a!.id}/assign`, {
    assignee: 'bo@brand.example',
    expectedAssignee: null,
  });
  expect(stale.status).toBe(409);
  expect(stale.headers.get('content-type')).toBe('application/problem+json');
  expect(await stale.json()).toMatchObject({
    status: 409,
    code: 'conflict',
    detail: expect.stringContaining('ann@brand.example'),
  });

  const bulk = await post('/complaints/ack', { ids: [a!.id, b!.id, 'c_00000000000000000000000000'] });
  expect(await bulk.json()).toMatchObject({
    acknowledged: 2,
    results: [
      { id: a!.id, outcome: 'acknowledged' },
      { id: b!.id, outcome: 'acknowledged' },
      { outcome: 'not_found' },
    ],
  });
  // Acknowledged: their timers are stopped, nothing more is sent for them.
  await eventually(
    () =>
      [a!, b!].every((x) => t.twin.stepFunctions.executionsByComplaint().get(x.id)?.length === 1) &&
      t.twin.stepFunctions.runningCount() <= 1,
    10_000,
    'timers stopped',
  );

  const reopened = await post(`/complaints/${b!.id}/reopen`, { note: 'still waiting for the refund' });
  expect(reopened.status).toBe(200);
  const body = (await reopened.json()) as Complaint;
  expect(body).toMatchObject({ status: 'open', acknowledgedAt: null, timerGeneration: 1 });
  expect(Date.parse(body.ackDueAt!)).toBeGreaterThan(Date.parse(b!.ackDueAt!));
  await eventually(
    () => t.twin.stepFunctions.executionsByComplaint().get(b!.id)?.length === 2,
    10_000,
    'a new timer',
  );
  expect((await post(`/complaints/${b!.id}/reopen`)).status).toBe(409);

  // The reopened complaint breaches on its new deadline and is escalated again.
  await eventually(
    () => t.outbox().some((line) => line.complaintId === b!.id && line.step === 'L1'),
    20_000,
    'the reopened complaint escalated',
  );
  const detail = await t.json<Complaint & { timeline: { type: string }[] }>(`/complaints/${b!.id}`);
  expect(detail.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['acknowledged', 'reopened']));
  expect(c).toBeDefined();
}, 60_000);
