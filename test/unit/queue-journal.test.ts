import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { QueueJournal } from '../../lib/local/queue-journal.ts';

it('recovers what was sent and never deleted (waiting or in flight), ignores a torn line, compacts', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'heed-journal-')), 'queues.jsonl');
  const before = new QueueJournal(file);
  await Promise.all(['a', 'b', 'c'].map((id) => before.sent(id, 'q', { MessageBody: `body ${id}` })));
  before.received('a', 'receipt-a');
  before.received('b', 'receipt-b'); // in flight when the process died: kept
  before.deleted('receipt-a');
  before.deleted('unknown-receipt'); // a receipt of another run: nothing to forget
  before.close();
  appendFileSync(file, '{"op":"send","id":"torn","que'); // the crash cut this write: never acknowledged

  const after = new QueueJournal(file);
  expect(after.recover().map((m) => [m.id, m.message.MessageBody])).toEqual([
    ['b', 'body b'],
    ['c', 'body c'],
  ]);
  expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  after.forget('b');
  after.close();
  expect(new QueueJournal(file).recover().map((m) => m.id)).toEqual(['c']);
});
