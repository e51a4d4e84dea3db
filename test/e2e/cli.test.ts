import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Complaint } from '#core/model/complaint.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import { xTweet } from '../fixtures/deliveries.ts';
import { API_TOKEN, eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

// The `heed` command line against the running twin, found through its data directory as a user's would be.
let t: TestTwin;
beforeAll(async () => {
  t = await startTestTwin();
  process.env['HEED_DATA_DIR'] = t.twin.dataDir;
  delete process.env['HEED_API_URL'];
  delete process.env['API_TOKEN'];
});
afterAll(async () => {
  await t?.stop();
});

async function heed(...args: string[]): Promise<string> {
  let text = '';
  const program = buildProgram((chunk) => {
    text += chunk;
  });
  const throwInsteadOfExit = (command: { exitOverride(): unknown; commands: readonly unknown[] }) => {
    command.exitOverride();
    for (const sub of command.commands) throwInsteadOfExit(sub as typeof command);
  };
  throwInsteadOfExit(program);
  await program.parseAsync(['node', 'heed', ...args]);
  return text;
}

it('works the queue and reads the numbers from the command line, tables for people and JSON for scripts', async () => {
  for (const [i, id] of ['1897000000000000001', '1897000000000000002'].entries())
    await t.postX(xTweet({ id, userId: `99${i}`, text: '@brand where is my parcel, two weeks late' }));
  const items = await eventually(
    async () => {
      const list = JSON.parse(await heed('complaints', 'list', '--status', 'open', '--json')) as Complaint[];
      return list.length === 2 && list;
    },
    20_000,
    'two open complaints',
  );
  const table = await heed('complaints', 'list');
  expect(table).toContain(items[0]!.id);
  expect(table).toMatch(/in (\d+ h )?\d+ min/);
  expect(table).toContain('2 complaint(s)');
  const found = JSON.parse(
    await heed(
      'complaints',
      'list',
      '--text',
      'PARCEL',
      '--since',
      items[0]!.receivedAt.slice(0, 10),
      '--sla-state',
      'on_track',
      '--json',
    ),
  ) as Complaint[];
  expect(found.map((c) => c.id).sort()).toEqual(items.map((c) => c.id).sort());

  expect(await heed('complaints', 'assign', items[0]!.id, 'ann@brand.example')).toContain(
    'assigned to ann@brand.example',
  );
  await expect(
    heed('complaints', 'assign', items[0]!.id, 'bo@brand.example', '--expect', 'nobody'),
  ).rejects.toThrow(/409/);
  const acked = await heed('complaints', 'ack', items[0]!.id, items[1]!.id, '--note', 'on it');
  expect(acked).toContain('2 acknowledged');
  expect(await heed('complaints', 'reopen', items[1]!.id)).toMatch(/open, due /);
  await expect(
    heed('complaints', 'correct', items[0]!.id, '--severity', 'critical', '--expect-kind', 'praise'),
  ).rejects.toThrow(/409.*is now complaint/);
  expect(
    await heed('complaints', 'correct', items[0]!.id, '--severity', 'critical', '--expect-kind', 'complaint'),
  ).toContain('complaint, critical');
  const shown = await heed('complaints', 'show', items[1]!.id);
  expect(shown).toMatch(/acknowledged\s+api:local-api-token/);
  expect(shown).toMatch(/reopened/);

  const stats = await eventually(
    async () => {
      const text = await heed('stats');
      return text.includes('Open now: 1') && text;
    },
    10_000,
    'the stats',
  );
  expect(stats).toMatch(/response rate/);
  const numbers = JSON.parse(await heed('stats', '--json', '--platform', 'x')) as {
    overall: { received: number; responded: number };
  };
  expect(numbers.overall).toMatchObject({ received: 2, responded: 2 });
});

it('explains what it needs, and refuses bad options before calling anything', async () => {
  await expect(heed('complaints', 'list', '--status', 'lost')).rejects.toThrow(/status/);
  await expect(heed('complaints', 'list', '--limit', '0')).rejects.toThrow(/above 0/);
  const help = await heed('complaints', 'ack', '--help').catch((error: { exitCode?: number }) => {
    expect(error.exitCode).toBe(0);
    return '';
  });
  expect(typeof help).toBe('string');
  // A deployed stage: the flags win over the twin.
  await expect(heed('--api-url', t.twin.url, '--token', 'wrong', 'stats')).rejects.toThrow(/401/);
  expect(
    JSON.parse(await heed('--api-url', t.twin.url, '--token', API_TOKEN, 'stats', '--json')),
  ).toHaveProperty('overall');
});

it('replays recorded deliveries signed with the stage secrets, and a second replay stores nothing twice', async () => {
  const sent = JSON.parse(await heed('replay', 'examples/deliveries', '--json')) as {
    name: string;
    status: number;
  }[];
  expect(sent.map((r) => [r.name, r.status])).toEqual([
    ['meta-page-comment.json', 200],
    ['mixed.jsonl:1', 200],
    ['mixed.jsonl:2', 200],
    ['mixed.jsonl:3', 200],
    ['x-mention.json', 200],
  ]);
  const stored = () =>
    eventually(
      async () => {
        const all = await t.allComplaints();
        const ids = ['1050118621198921728', '444444444_555555555', 'reviews:rev-42'];
        const found = all.filter((c) => ids.includes(c.externalId) || c.platform === 'whatsapp');
        return found.length === 4 && found;
      },
      20_000,
      'the four recorded messages',
    );
  const first = await stored();
  expect(first.map((c) => c.platform).sort()).toEqual(['facebook', 'generic', 'whatsapp', 'x']);
  await heed('replay', 'examples/deliveries/mixed.jsonl');
  await heed('replay', 'examples/deliveries/x-mention.json');
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect((await stored()).map((c) => c.id).sort()).toEqual(first.map((c) => c.id).sort());
  // What cannot be a delivery is refused before anything is sent.
  await expect(heed('replay', 'package.json')).rejects.toThrow(/not a delivery Heed recognizes/);
  await expect(heed('replay', 'no/such/dir')).rejects.toThrow(/no such file/);
});

it('runs the demo: every platform, a duplicate, a burst and brand replies, then the queue, escalations and stats', async () => {
  const report = JSON.parse(await heed('demo', '--burst', '6', '--json')) as {
    sent: number;
    accepted: number;
    stored: number;
    byKind: Record<string, number>;
    byPlatform: Record<string, number>;
    acknowledgedByBrandReply: number;
    queue: Complaint[];
    stats: { overall: { received: number } };
  };
  expect(report.accepted).toBe(report.sent);
  // The delivery X sent twice is stored once; the brand replies open nothing.
  expect(report.sent).toBe(report.stored + 1 + 2);
  expect(Object.keys(report.byPlatform).sort()).toEqual([
    'facebook',
    'generic',
    'instagram',
    'messenger',
    'whatsapp',
    'x',
  ]);
  expect(report.queue.length).toBeGreaterThan(5);
  expect(report.acknowledgedByBrandReply).toBe(2);
  expect(report.byKind['complaint']).toBeGreaterThanOrEqual(10);
  expect(Object.keys(report.byKind)).toEqual(expect.arrayContaining(['complaint', 'question', 'spam']));
  expect(report.stats.overall.received).toBeGreaterThanOrEqual(report.byKind['complaint']!);
  const text = await heed('demo', '--burst', '2');
  expect(text).toMatch(/Sent \d+ signed deliveries: \d+ accepted\./);
  expect(text).toMatch(/The work queue \(\d+ open/);
  expect(text).toMatch(/Escalations:\n {2}none yet: the first deadline is/);
  expect(text).toMatch(/response rate/);
}, 120_000);
