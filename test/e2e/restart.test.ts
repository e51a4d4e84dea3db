import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { xTweet } from '../fixtures/deliveries.ts';
import { signX } from '../support/signing.ts';
import { eventually } from '../support/twin.ts';

// `heed start` as a user runs it (the command behind `npm start`), stopped and started again.
const dataDir = mkdtempSync(path.join(tmpdir(), 'heed-restart-'));
const TOKEN = 'restart-token';
let child: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function start(port: number): Promise<string> {
  let output = '';
  child = spawn(process.execPath, ['--import', 'tsx', 'bin/heed.ts', 'start'], {
    env: {
      ...process.env,
      PORT: String(port),
      HEED_DATA_DIR: dataDir,
      API_TOKEN: TOKEN,
      SLA_TIME_SCALE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await eventually(() => output.includes('Ctrl-C to stop'), 60_000, `the twin to start:\n${output}`);
  return output;
}

async function stop() {
  const exited = new Promise((resolve) => child?.once('exit', resolve));
  child?.kill('SIGTERM');
  await exited;
  child = undefined;
}

afterEach(async () => {
  if (child) await stop();
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
  const list = async () =>
    (await (
      await fetch(`http://127.0.0.1:${port}/complaints`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { items: { externalId: string }[] };
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
