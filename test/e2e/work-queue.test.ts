import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import { API_ROUTES, type RouteKey } from '#api/routes.ts';
import type { Complaint } from '#core/model/complaint.ts';
import { stageResources } from '../../lib/cli/stage-resources.ts';
import { xTweet } from '../fixtures/deliveries.ts';
import { complaint } from '../support/fakes.ts';
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

it('filters the queue from indexes: SLA state, kind, severity, assignee, time range, text, and both sort orders', async () => {
  const stage = stageResources({ HEED_DATA_DIR: t.twin.dataDir });
  const store = new DynamoComplaintRepository(stage.tableName, { client: new DynamoDBClient(stage.client) });
  const seed = (n: number, overrides: Partial<Complaint>) =>
    store.create(
      complaint({
        id: `c_query${String(n).padStart(21, '0')}`,
        externalId: `q-${n}`,
        receivedAt: `2026-09-0${n}T10:00:00.000Z`,
        ackDueAt: `2026-09-0${n}T1${n}:00:00.000Z`,
        ...overrides,
      }),
      [],
    );
  // The warning went out for two of them, as the SLA step records it: claimed, then sent.
  const warned = async (n: number) => {
    const id = `c_query${String(n).padStart(21, '0')}`;
    const at = new Date(`2026-09-0${n}T10:20:00.000Z`);
    await store.claimSlaStep(
      id,
      'warning',
      {},
      { at: at.toISOString(), type: 'sla-warning', detail: { step: 'warning' } },
      { token: `w${n}`, at, leaseMs: 60_000 },
    );
    await store.markStepSent(id, 'warning', `w${n}`, { via: 'page', at: at.toISOString() });
  };
  await seed(1, { text: 'The Parcel never came', severity: 'critical' });
  await seed(2, { text: 'refund please', breached: true });
  await seed(3, { text: 'parcel damaged', kind: 'question' });
  await warned(2);
  await warned(3);
  await seed(4, { text: 'all good now', status: 'acknowledged', acknowledgedAt: '2026-09-04T10:05:00.000Z' });
  await store.updateIf(
    'c_query000000000000000000003',
    { assignee: null },
    { assignee: 'ann@brand.example' },
    {
      at: '2026-09-03T10:01:00.000Z',
      type: 'assigned',
      detail: {},
    },
  );
  const ids = async (query: string) =>
    (await t.json<{ items: Complaint[] }>(`/complaints?${query}`)).items
      .map((c) => c.externalId)
      .filter((id) => id.startsWith('q-'));
  const range = 'since=2026-09-01&until=2026-09-30';
  expect(await ids(`${range}`)).toEqual(['q-4', 'q-3', 'q-2', 'q-1']); // newest first
  expect(await ids(`status=open&${range}`)).toEqual(['q-1', 'q-2', 'q-3']); // by deadline
  expect(await ids(`status=open&sort=received&${range}`)).toEqual(['q-3', 'q-2', 'q-1']);
  expect(await ids(`slaState=breached&${range}`)).toEqual(['q-2']);
  expect(await ids(`slaState=warning&${range}`)).toEqual(['q-3']);
  expect(await ids(`slaState=on_track&${range}`)).toEqual(['q-1']);
  expect(await ids(`slaState=acknowledged&${range}`)).toEqual(['q-4']);
  expect(await ids(`kind=question&${range}`)).toEqual(['q-3']);
  expect(await ids(`severity=critical&${range}`)).toEqual(['q-1']);
  expect(await ids('assignee=ann%40brand.example')).toEqual(['q-3']);
  expect(await ids(`q=PARCEL&${range}`)).toEqual(['q-3', 'q-1']);
  expect(await ids('since=2026-09-02&until=2026-09-03')).toEqual(['q-3', 'q-2']);
  const unbounded = await t.api('/complaints?q=parcel');
  expect(unbounded.status).toBe(400);
  expect(await unbounded.text()).toMatch(/time range/);
  // The same filters export the list as CSV (formula-safe, quoted as RFC 4180 wants).
  const csv = await t.api(`/complaints/export.csv?q=parcel&${range}`);
  expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  const lines = (await csv.text()).trim().split('\n');
  expect(lines[0]).toMatch(/^id,platform,received_at,status,kind,severity,/);
  expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([
    'c_query000000000000000000003',
    'c_query000000000000000000001',
  ]);
  // Only index queries: the API never scans the table.
  expect(
    [...t.twin.awsCalls.keys()].filter((k) => k.startsWith('ComplaintsApi') && k.includes(':Scan')),
  ).toEqual([]);
});

it('answers every route as its OpenAPI document describes (the response schemas, strictly)', async () => {
  const [a, b] = await complaints(['1896000000000000021', '1896000000000000022']);
  const answer = async (key: RouteKey, response: Response) => {
    expect([key, response.status]).toEqual([key, 200]);
    if (API_ROUTES[key].produces) return response.text();
    const body = await response.json();
    const parsed = API_ROUTES[key].response.safeParse(body);
    expect([key, parsed.success ? 'ok' : parsed.error.issues]).toEqual([key, 'ok']);
    return body;
  };
  const send = (method: string, path: string, body: unknown) =>
    t.api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await answer('GET /complaints', await t.api('/complaints?status=open'));
  await answer('GET /complaints/{id}', await t.api(`/complaints/${a!.id}`));
  await answer(
    'PATCH /complaints/{id}',
    await send('PATCH', `/complaints/${a!.id}`, { severity: 'critical' }),
  );
  await answer(
    'POST /complaints/{id}/assign',
    await post(`/complaints/${a!.id}/assign`, { assignee: 'ann' }),
  );
  await answer('POST /complaints/{id}/ack', await post(`/complaints/${a!.id}/ack`, { note: 'on it' }));
  await answer('POST /complaints/{id}/reopen', await post(`/complaints/${a!.id}/reopen`));
  await answer('POST /complaints/ack', await post('/complaints/ack', { ids: [a!.id, b!.id] }));
  await answer('POST /complaints/{id}/resolve', await post(`/complaints/${b!.id}/resolve`));
  // With its timeline now full of events of every kind an agent makes.
  await answer('GET /complaints/{id}', await t.api(`/complaints/${a!.id}`));
  const stats = await t.api('/stats');
  const etag = stats.headers.get('etag')!;
  await answer('GET /stats', stats);
  // A page that polls gets 304 and no body until something changes.
  const same = await t.api('/stats', { headers: { 'if-none-match': etag } });
  expect([same.status, await same.text()]).toEqual([304, '']);
  await post(`/complaints/${a!.id}/reopen`);
  expect((await t.api('/stats', { headers: { 'if-none-match': etag } })).status).toBe(200);
  await answer('GET /openapi.json', await t.api('/openapi.json'));
  expect(await answer('GET /complaints/export.csv', await t.api('/complaints/export.csv'))).toMatch(/^id,/);
});
