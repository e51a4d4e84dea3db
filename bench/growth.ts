// How the API's calls grow with the complaints stored (`npm run bench`, docs/PERFORMANCE.md): the
// same list, get, ack and stats calls at each size, reads per call (the DynamoDB reads the API
// function made, counted by the twin's gateway) and their latency. Index-backed calls stay flat.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import { stageResources } from '../lib/cli/stage-resources.ts';
import { startTwin } from '../lib/local/twin.ts';
import { complaint } from '../test/support/fakes.ts';

export interface GrowthPoint {
  complaints: number;
  call: string;
  readsPerCall: number;
  p50Ms: number;
}

const CALLS = ['list the work queue (50)', 'get one complaint', 'acknowledge one', 'stats for a month'] as const;

export async function growth(sizes: readonly number[]): Promise<GrowthPoint[]> {
  const token = 'bench-token';
  const twin = await startTwin({
    port: 0,
    dataDir: mkdtempSync(path.join(tmpdir(), 'heed-growth-')),
    apiToken: token,
    log: () => {},
  });
  try {
    const stage = stageResources({ HEED_DATA_DIR: twin.dataDir });
    const store = new DynamoComplaintRepository(stage.tableName, { client: new DynamoDBClient(stage.client) });
    const api = (p: string, init: RequestInit = {}) =>
      fetch(`${twin.url}${p}`, { ...init, headers: { authorization: `Bearer ${token}` } });
    const reads = () =>
      [...twin.awsCalls].reduce(
        (sum, [key, n]) => (key.startsWith('ComplaintsApi') && / dynamodb:(Query|GetItem|BatchGetItem|Scan)$/.test(key) ? sum + n : sum),
        0,
      );
    let seeded = 0;
    const id = (n: number) => `c_${n.toString(16).padStart(26, '0')}`;
    const seedTo = async (total: number) => {
      while (seeded < total) {
        const batch = Array.from({ length: Math.min(50, total - seeded) }, () => seeded++);
        await Promise.all(
          batch.map((n) =>
            store.create(
              complaint({
                id: id(n),
                externalId: `grow-${n}`,
                receivedAt: `2026-10-0${(n % 3) + 1}T10:00:00.000Z`,
                ackDueAt: `2026-10-0${(n % 3) + 1}T10:30:00.000Z`,
                severity: (['low', 'medium', 'high', 'critical'] as const)[n % 4],
              }),
              [],
            ),
          ),
        );
      }
    };
    const points: GrowthPoint[] = [];
    let acked = 0;
    for (const size of sizes) {
      await seedTo(size);
      for (const call of CALLS) {
        const times: number[] = [];
        let totalReads = 0;
        for (let i = 0; i < 15; i++) {
          const before = reads();
          const started = performance.now();
          const response =
            call === 'list the work queue (50)'
              ? await api('/complaints?status=open&limit=50')
              : call === 'get one complaint'
                ? await api(`/complaints/${id((i * 7919) % size)}`)
                : call === 'acknowledge one'
                  ? await api(`/complaints/${id(acked++)}/ack`, { method: 'POST' })
                  : await api('/stats?since=2026-10-01&until=2026-10-31');
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`${call}: ${response.status}`);
          times.push(performance.now() - started);
          totalReads += reads() - before;
        }
        times.sort((a, b) => a - b);
        points.push({ complaints: size, call, readsPerCall: totalReads / 15, p50Ms: times[7]! });
      }
    }
    return points;
  } finally {
    await twin.stop();
  }
}

// `node --import tsx bench/growth.ts 1000 10000 100000`: the curve alone, at any sizes.
if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number);
  console.table(await growth(sizes.length > 0 ? sizes : [1000, 10_000]));
}
