import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { xTweet } from '../fixtures/deliveries.ts';
import { signX } from '../support/signing.ts';
import { eventually } from '../support/twin.ts';
import { freePort, TwinProcess } from '../support/twin-process.ts';

// `heed start` as a user runs it (the command behind `npm start`), stopped and started again.
const dataDir = mkdtempSync(path.join(tmpdir(), 'heed-restart-'));
const TOKEN = 'restart-token';
let twin: TwinProcess | undefined;
const start = async (port: number) => {
  twin ??= new TwinProcess(port, dataDir, TOKEN);
  return twin.start();
};
const stop = () => twin!.stop();

afterEach(async () => {
  if (twin?.child) await twin.stop();
});

it('keeps complaints and running SLA timers across a restart', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const printed = await start(port);
  expect(printed).toContain(`Bearer ${TOKEN}`);
  // No known default: a random secret, printed, and kept owner-only in the data directory.
  const xSecret = /X_CONSUMER_SECRET=(\S+)/.exec(printed)?.[1] ?? '';
  expect(xSecret).toHaveLength(50);
  expect(statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
  const body = JSON.stringify(xTweet({ id: '1800000000000000001' }));
  const posted = await fetch(`http://127.0.0.1:${port}/webhooks/x`, {
    method: 'POST',
    headers: { 'x-twitter-webhooks-signature': signX(xSecret, body) },
    body,
  });
  expect(posted.status).toBe(200);
  const list = async () => ({ items: await twin!.complaints() });
  await eventually(
    async () => (await list()).items.some((c) => c.externalId === '1800000000000000001'),
    10_000,
    'the complaint',
  );
  const timers = path.join(dataDir, 'stepfunctions.json');
  await eventually(
    () => existsSync(timers) && readFileSync(timers, 'utf8').includes('RUNNING'),
    5000,
    'the timer',
  );
  await stop();

  const again = await start(port);
  expect(again).toContain('Resumed 1 SLA timer(s)');
  expect(again).toContain(`X_CONSUMER_SECRET=${xSecret}`);
  expect((await list()).items.map((c) => c.externalId)).toContain('1800000000000000001');
});

it('loses nothing answered 200 when the twin is killed (kill -9) mid-storm', {
  timeout: 240_000,
}, async () => {
  const crashDir = mkdtempSync(path.join(tmpdir(), 'heed-crash-'));
  const crashing = new TwinProcess(await freePort(), crashDir, TOKEN);
  twin = crashing;
  const printed = await crashing.start();
  const xSecret = /X_CONSUMER_SECRET=(\S+)/.exec(printed)?.[1] ?? '';
  const TOTAL = 400;
  const accepted = new Set<string>();
  let killed = false;
  const deliveries = Array.from({ length: TOTAL }, (_, i) => String(1870000000000000000n + BigInt(i)));
  // Eight senders at a time, as a platform does; the twin is killed once a third are answered.
  const lanes = Array.from({ length: 8 }, async (_, lane) => {
    for (let i = lane; i < TOTAL; i += 8) {
      const id = deliveries[i]!;
      const body = JSON.stringify(xTweet({ id, userId: `77${i}`, text: `@brand order ${i} never arrived` }));
      try {
        const response = await fetch(crashing.url('/webhooks/x'), {
          method: 'POST',
          headers: { 'x-twitter-webhooks-signature': signX(xSecret, body) },
          body,
        });
        if (response.status === 200) accepted.add(id);
      } catch {
        // refused or cut by the crash: the platform would retry it; it was never promised
      }
      if (!killed && accepted.size >= TOTAL / 3) {
        killed = true;
        crashing.child?.kill('SIGKILL');
      }
    }
  });
  await Promise.all(lanes);
  await crashing.exited;
  expect(accepted.size).toBeGreaterThan(TOTAL / 3 - 1);

  const output = await crashing.start();
  await eventually(
    async () => {
      const stored = new Set((await crashing.complaints()).map((c) => c.externalId));
      return [...accepted].every((id) => stored.has(id));
    },
    120_000,
    `every accepted delivery stored after the restart (${accepted.size} accepted)\n${output}`,
  );
  const stored = (await crashing.complaints()).map((c) => c.externalId);
  // Exactly once: none lost, none doubled.
  expect(stored.length).toBe(new Set(stored).size);
  console.log(
    `kill -9 mid-storm: ${accepted.size} of ${TOTAL} deliveries answered 200 before the kill; ${[...accepted].filter((id) => stored.includes(id)).length} stored after the restart, 0 lost, ${stored.length - new Set(stored).size} duplicated`,
  );
});
