import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import type { Complaint } from '#core/model/complaint.ts';
import type { Stats } from '#core/stats/summary.ts';
import { stageResources } from '../../lib/cli/stage-resources.ts';
import { xTweet } from '../fixtures/deliveries.ts';
import { complaint } from '../support/fakes.ts';
import { eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

/**
 * The numbers a team reads (GET /stats), on the twin: exact under retries and corrections, and read
 * from counters, so a stats call costs the same whatever the number of complaints. STATS_SCALE sets
 * the larger seeding (100,000 in `npm run test:scale`).
 */
const SCALE = Number(process.env['STATS_SCALE'] ?? 2_000);
let t: TestTwin;
beforeAll(async () => {
  t = await startTestTwin();
});
afterAll(async () => {
  await t?.stop();
});

const today = () => new Date().toISOString().slice(0, 10);
const byExternalId = async (externalId: string) =>
  (await t.json<{ items: Complaint[] }>('/complaints?limit=100')).items.find(
    (c) => c.externalId === externalId,
  );

describe('GET /stats', () => {
  it('counts each complaint once, follows acknowledgements and corrections, and keeps the backlog', async () => {
    const ids = ['1895000000000000001', '1895000000000000002', '1895000000000000003'];
    for (const [i, id] of ids.entries())
      expect(
        (await t.postX(xTweet({ id, userId: `77${i}`, text: '@brand my refund never came, this is a scam' })))
          .status,
      ).toBe(200);
    // A duplicate delivery of the first: the same complaint, counted once.
    await t.postX(
      xTweet({ id: ids[0]!, userId: '770', text: '@brand my refund never came, this is a scam' }),
    );
    const [first, second] = await eventually(
      async () => {
        const found = await Promise.all(ids.map(byExternalId));
        return found.every(Boolean) && (found as Complaint[]);
      },
      20_000,
      'three complaints',
    );
    // The counters follow a complaint's write by a moment (the same invocation, just after it).
    const before = await eventually(
      async () => {
        const s = await t.json<Stats>(`/stats?since=${today()}&platform=x`);
        return s.overall.received === 3 && s;
      },
      10_000,
      'the three counted',
    );
    expect(before.overall).toMatchObject({ received: 3, responded: 0, responseRate: 0 });
    expect(before.backlog.open).toBe(3);

    // Acknowledged twice (a retried request): one response.
    for (let i = 0; i < 2; i++)
      expect((await t.api(`/complaints/${first!.id}/ack`, { method: 'POST' })).status).toBe(200);
    // A severity correction moves the complaint between cells, not into two.
    const corrected = await t.api(`/complaints/${second!.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ severity: 'critical' }),
    });
    expect(corrected.status).toBe(200);
    const after = await t.json<Stats>(`/stats?since=${today()}`);
    expect(after.overall).toMatchObject({ received: 3, responded: 1, respondedWithinTarget: 1 });
    expect(after.overall.responseRate).toBeCloseTo(1 / 3, 3);
    expect(after.overall.timeToAcknowledge.p50Minutes).not.toBeNull();
    expect(after.backlog.open).toBe(2);
    expect(after.backlog.bySeverity.critical).toBe(1);
    const critical = await t.json<Stats>(`/stats?since=${today()}&severity=critical`);
    expect(critical.overall.received).toBe(1);
    expect(after.daily.at(-1)).toMatchObject({ day: today(), received: 3 });
  });

  it('refuses a bad range with a 400 that names it', async () => {
    const response = await t.api('/stats?since=2026-13-45');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.text()).toMatch(/since/);
  });

  it(`reads the same few items for ${SCALE.toLocaleString('en')} complaints as for 100`, {
    timeout: 3_600_000,
  }, async () => {
    const stage = stageResources({ HEED_DATA_DIR: t.twin.dataDir });
    const store = new DynamoComplaintRepository(stage.tableName, {
      client: new DynamoDBClient(stage.client),
    });
    const days = ['2026-10-01', '2026-10-02', '2026-10-03'];
    let seeded = 0;
    const seed = async (count: number) => {
      const batch = Array.from({ length: count }, () => seeded++);
      for (let i = 0; i < batch.length; i += 50)
        await Promise.all(
          batch.slice(i, i + 50).map((n) => {
            const receivedAt = `${days[n % 3]}T10:00:00.000Z`;
            return store.create(
              complaint({
                id: `c_seed${String(n).padStart(22, '0')}`,
                externalId: `seed-${n}`,
                receivedAt,
                ackDueAt: `${days[n % 3]}T10:30:00.000Z`,
                severity: (['low', 'medium', 'high', 'critical'] as const)[n % 4],
                platform: (['x', 'facebook', 'instagram'] as const)[n % 3],
                ...(n % 2 ? { status: 'acknowledged', acknowledgedAt: `${days[n % 3]}T10:12:00.000Z` } : {}),
              }),
              [],
            );
          }),
        );
    };
    const readsOfOneStatsCall = async () => {
      const reads = () =>
        [...t.twin.awsCalls].reduce(
          (sum, [key, n]) =>
            key.startsWith('ComplaintsApi') && / dynamodb:(Query|GetItem|Scan)/.test(key) ? sum + n : sum,
          0,
        );
      const start = reads();
      const result = await t.json<Stats>('/stats?since=2026-10-01&until=2026-10-31');
      return {
        reads: reads() - start,
        received: result.overall.received,
        responded: result.overall.responded,
      };
    };
    await seed(100);
    const small = await readsOfOneStatsCall();
    await seed(SCALE - 100);
    const large = await readsOfOneStatsCall();
    console.log(`STATS ${JSON.stringify({ complaints: [100, SCALE], reads: [small.reads, large.reads] })}`);
    expect(small).toEqual({ reads: small.reads, received: 100, responded: 50 });
    expect(large).toEqual({ reads: small.reads, received: SCALE, responded: SCALE / 2 });
    expect(small.reads).toBeLessThanOrEqual(3); // one month of cohorts, and the backlog
  });
});
