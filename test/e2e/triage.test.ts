import { spawn } from 'node:child_process';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import { DynamoStormLedger } from '#adapters/dynamo/storm-ledger.ts';
import type { Complaint } from '#core/model/complaint.ts';
import { fromCsvText, parseCsv } from '../../lib/training/dataset.ts';
import { xTweet } from '../fixtures/deliveries.ts';
import { complaint } from '../support/fakes.ts';
import { compare, expectedPages, history, simulate } from '../support/ladder-simulation.ts';
import { API_TOKEN, eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

let t: TestTwin;
type Detail = Complaint & { timeline: { type: string; detail: Record<string, unknown> }[] };

beforeAll(async () => {
  t = await startTestTwin();
});
afterAll(async () => {
  await t?.stop();
});

const all = async () => (await t.json<{ items: Complaint[] }>('/complaints?limit=100')).items;
const byExternalId = async (externalId: string) => (await all()).find((c) => c.externalId === externalId);

/** Runs the CLI as a user would; asynchronously, since the twin it talks to lives in this process. */
function heed(
  args: string[],
  input?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/heed.ts', ...args], {
    env: { ...process.env, HEED_API_URL: t.twin.url, API_TOKEN },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(input ?? '');
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

describe('triage on the local twin', () => {
  it('classifies each message with kind, probability, sentiment, severity and reasons', async () => {
    await t.postX(
      xTweet({
        id: '1870000000000000001',
        text: '@brand my package never arrived and your support keeps ignoring me. Awful',
      }),
    );
    const c = await eventually(() => byExternalId('1870000000000000001'));
    expect(c).toMatchObject({ kind: 'complaint', severity: expect.stringMatching(/high|critical/) });
    expect(c.complaintProbability).toBeGreaterThan(0.5);
    expect(c.sentiment).toBeLessThan(0);
    expect(c.reasons.length).toBeGreaterThan(0);
  });

  it('classifies with the sentence encoder in the processor, and says when it tipped the decision', async () => {
    // The n-gram cues alone read this as praise; the encoder hears the complaint.
    await t.postX(
      xTweet({
        id: '1870000000000000009',
        userId: '4242',
        text: '@brand love you guys but the new update deleted all my photos',
      }),
    );
    const c = await eventually(() => byExternalId('1870000000000000009'));
    expect(c.kind).toBe('complaint');
    expect(c.reasons.some((r) => r.startsWith('the sentence encoder tipped it: complaint'))).toBe(true);
  });

  it('threads the same author’s follow-ups into one complaint, and keeps another author apart', async () => {
    await t.postX(
      xTweet({
        id: '1870000000000000002',
        inReplyTo: '1870000000000000001',
        text: '@brand hello?? still nothing, I want a refund',
      }),
    );
    await t.postX(
      xTweet({
        id: '1870000000000000003',
        inReplyTo: '1870000000000000001',
        userId: '999',
        screenName: 'other',
        text: '@brand same problem here, package lost',
      }),
    );
    const other = await eventually(() => byExternalId('1870000000000000003'));
    expect(other.author.id).toBe('999');
    const parent = (await byExternalId('1870000000000000001'))!;
    const detail = await eventually(async () => {
      const d = await t.json<Detail>(`/complaints/${parent.id}`);
      return d.timeline.some((e) => e.type === 'follow-up') && d;
    });
    expect(detail.timeline.find((e) => e.type === 'follow-up')!.detail).toMatchObject({
      externalId: '1870000000000000002',
    });
    expect(await byExternalId('1870000000000000002')).toBeUndefined();
  });

  it('records an agent’s correction and exports it as training data', async () => {
    const c = (await byExternalId('1870000000000000003'))!;
    const bad = await t.api(`/complaints/${c.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ kind: 'nonsense' }),
    });
    expect(bad.status).toBe(400);
    const response = await t.api(`/complaints/${c.id}`, {
      method: 'PATCH',
      body: JSON.stringify({
        kind: 'complaint',
        severity: 'critical',
        reproach: 4,
        note: 'blames us publicly',
      }),
    });
    expect(response.status).toBe(200);
    const detail = await t.json<Detail>(`/complaints/${c.id}`);
    expect(detail).toMatchObject({
      severity: 'critical',
      reproach: 'blame',
      correctedBy: 'api:local-api-token',
    });
    expect(detail.timeline.find((e) => e.type === 'corrected')!.detail).toMatchObject({
      to: { kind: 'complaint', severity: 'critical', reproach: 4 },
    });
    // A filtered page fills itself even when newer, uncorrected complaints come first.
    await t.postX(
      xTweet({
        id: '1870000000000000004',
        userId: '777',
        screenName: 'third',
        text: '@brand my order is two weeks late, terrible',
      }),
    );
    await eventually(() => byExternalId('1870000000000000004'));
    const newest = await t.json<{ items: Complaint[] }>('/complaints?limit=1');
    expect(newest.items[0]!.id).not.toBe(c.id);
    const corrected = await t.json<{ items: Complaint[] }>('/complaints?corrected=true&limit=1');
    expect(corrected.items.map((item) => item.id)).toEqual([c.id]);

    const exported = await heed(['export-labels']);
    expect(exported.status).toBe(0);
    const [header, ...rows] = parseCsv(exported.stdout);
    expect(header).toEqual([
      'tweet_id',
      'text',
      'complaint',
      'severity',
      'severity_name',
      'domain',
      'brand_directed',
    ]);
    // A cell starting with @ is written inert for spreadsheets ('@…); training reads the words back.
    expect(rows).toEqual([
      ['1870000000000000003', "'@brand same problem here, package lost", '1', '4', 'blame', 'heed-x', '1'],
    ]);
    expect(fromCsvText(rows[0]![1]!)).toBe('@brand same problem here, package lost');
  });

  it('explains a complaint’s deadlines', async () => {
    const c = (await byExternalId('1870000000000000001'))!;
    const explained = await heed(['sla', 'explain', c.id]);
    expect(explained.status).toBe(0);
    expect(explained.stdout).toContain(`due           ${c.ackDueAt}`);
    expect(explained.stdout).toMatch(/target \d+ min for \w+ on x, 24\/7/);
    expect(explained.stdout).toMatch(/L2 .* → oncall by sms \+ email; pending/);
  });
});

describe('the classify CLI', () => {
  it('writes one JSON line per input line, in order, and an error line for a bad one', async () => {
    const run = await heed(
      ['classify'],
      '{"text":"@brand worst airline ever, lost my bag and no one answers"}\nnot json\n{"text":"thank you so much for the quick help!","author":{"followers":10}}\n',
    );
    expect(run.status).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      kind: 'complaint',
      complaintProbability: expect.any(Number),
      sentiment: expect.any(Number),
      severity: expect.stringMatching(/^(low|medium|high|critical)$/),
      reproach: expect.stringMatching(/^(no explicit reproach|disapproval|accusation|blame)$/),
      reasons: expect.any(Array),
    });
    expect(lines[1]).toEqual({ error: 'line is not valid JSON' });
    expect(lines[2]).toMatchObject({ kind: 'praise' });
  });
});

describe('the DynamoDB store on the twin', () => {
  it('pages a filtered list without skipping or repeating, whatever the filter keeps', async () => {
    const { TableNames } = await new DynamoDBClient({}).send(new ListTablesCommand({}));
    const store = new DynamoComplaintRepository(TableNames!.find((name) => name.includes('Data'))!);
    const corrected = new Set<string>();
    for (let n = 0; n < 12; n++) {
      const id = `c_paging${String(n).padStart(19, '0')}`;
      const receivedAt = new Date(Date.UTC(2020, 0, 1, 0, n)).toISOString();
      // Spread unevenly (newest first: 11, 9 8, 4 3 2), so a page must read on to fill up and
      // sometimes gets more than it needs from its last read.
      const isCorrected = [2, 3, 4, 8, 9, 11].includes(n);
      if (isCorrected) corrected.add(id);
      await store.create(
        complaint({
          id,
          platform: 'instagram',
          externalId: `p${n}`,
          receivedAt,
          ...(isCorrected ? { correctedAt: receivedAt } : {}),
        }),
        [],
      );
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ platform: 'instagram', corrected: true, limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...corrected].sort().reverse());
  });

  it('lists one author’s complaints from the author index, with the other filters applied', async () => {
    const { TableNames } = await new DynamoDBClient({}).send(new ListTablesCommand({}));
    const store = new DynamoComplaintRepository(TableNames!.find((name) => name.includes('Data'))!);
    const make = (n: number, authorId: string, status: 'open' | 'resolved') =>
      store.create(
        complaint({
          id: `c_author${String(n).padStart(20, '0')}`,
          platform: 'whatsapp',
          externalId: `a${n}`,
          author: { id: authorId },
          status,
          receivedAt: new Date(Date.UTC(2021, 0, 1, 0, n)).toISOString(),
        }),
        [],
      );
    await make(1, 'wa-111', 'open');
    await make(2, 'wa-222', 'open');
    await make(3, 'wa-111', 'resolved');
    const mine = await store.list({ author: { platform: 'whatsapp', id: 'wa-111' }, limit: 10 });
    expect(mine.items.map((c) => c.externalId)).toEqual(['a3', 'a1']);
    const open = await store.list({
      author: { platform: 'whatsapp', id: 'wa-111' },
      status: 'open',
      limit: 10,
    });
    expect(open.items.map((c) => c.externalId)).toEqual(['a1']);
  });

  it('claims an SLA step once per attempt: a retried claim is its own, a live claim holds, a dead one is taken over', async () => {
    const { TableNames } = await new DynamoDBClient({}).send(new ListTablesCommand({}));
    const store = new DynamoComplaintRepository(TableNames!.find((name) => name.includes('Data'))!);
    const id = 'c_claims0000000000000000001';
    await store.create(complaint({ id, externalId: 'claims-1' }), []);
    const event = { at: '2026-11-23T10:31:00.000Z', type: 'breached' as const, detail: { step: 'L1' } };
    const at = new Date('2026-11-23T10:31:00.000Z');
    const claim = (token: string, offsetMs = 0) =>
      store.claimSlaStep(id, 'L1', { breached: true, escalationLevel: 1 }, event, {
        token,
        at: new Date(at.getTime() + offsetMs),
        leaseMs: 60_000,
      });
    expect(await claim('first')).toBe('claimed');
    expect(await claim('first')).toBe('claimed'); // the SDK's retry of a claim whose response was lost
    expect(await claim('second', 10_000)).toBe('in-flight');
    expect(await claim('third', 61_000)).toBe('claimed'); // 'first' died: its lease ran out
    const delivery = { via: 'page' as const, at: '2026-11-23T10:32:00.000Z' };
    await store.markStepSent(id, 'L1', 'first', delivery); // too late: no longer its claim
    expect((await store.get(id))!.slaSteps).toEqual([]);
    await store.markStepSent(id, 'L1', 'third', delivery);
    expect(await claim('fourth', 200_000)).toBe('already-fired');
    const stored = (await store.get(id))!;
    expect(stored.slaSteps).toEqual(['L1']);
    expect(stored.slaDelivery).toEqual({ L1: delivery });
    expect(Object.keys(stored).some((key) => key.startsWith('claim_'))).toBe(false);
    expect((await store.timeline(id)).filter((e) => e.type === 'breached')).toHaveLength(1);
  });

  it('sends what the reference model says on the real store (dynalite), with faults injected', async () => {
    const { TableNames } = await new DynamoDBClient({}).send(new ListTablesCommand({}));
    const table = TableNames!.find((name) => name.includes('Data'))!;
    const clock = { now: () => new Date(), wallNow: () => new Date(), realMsUntil: () => 0 };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(history, fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (h, seed) => {
        run++;

        const { sent, model } = await simulate(
          h,
          seed,
          () => ({
            store: new DynamoComplaintRepository(table),
            storms: new DynamoStormLedger(table, clock),
          }),
          run,
        );
        const ackAt = new Map(model.map((c) => [c.id, c.acknowledgedAt ?? Number.POSITIVE_INFINITY]));
        expect(compare(expectedPages(h.policy, model), sent, ackAt, h.faults, h.policy.storm)).toEqual([]);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
