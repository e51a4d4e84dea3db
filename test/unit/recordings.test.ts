import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecordings, sourceOfPayload, webhookUrl } from '../../lib/cli/deliveries.ts';
import { demoPlan } from '../../lib/cli/demo.ts';
import { CATALOG } from '../fixtures/deliveries.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'heed-recordings-'));

describe('recorded deliveries (heed replay)', () => {
  it('recognizes every documented payload in the catalogue by its shape', () => {
    for (const entry of CATALOG)
      expect([entry.name, sourceOfPayload(entry.body)]).toEqual([entry.name, entry.route.split('/')[0]]);
  });

  it('reads bare payloads, envelopes and JSON lines, keeps the exact bytes, and walks a directory in order', () => {
    const root = dir();
    mkdirSync(path.join(root, 'b'));
    // A bare file is sent as written (X escapes slashes; the signature is over these bytes).
    const exact = '{"for_user_id":"1","tweet_create_events":[{"id_str":"9","text":"http:\\/\\/x.co"}]}';
    writeFileSync(path.join(root, 'a.json'), `${exact}\n`);
    writeFileSync(
      path.join(root, 'b', 'more.jsonl'),
      [
        JSON.stringify({
          source: 'generic',
          sender: 'reviews',
          body: { id: 'r1', author: { id: 'u' }, text: 't' },
        }),
        '',
        JSON.stringify({
          source: 'meta',
          body: '{"object":"page", "entry":[]}',
          headers: { 'webhook-id': 'msg_1' },
        }),
      ].join('\n'),
    );
    writeFileSync(path.join(root, 'notes.txt'), 'not a recording');
    const read = readRecordings(root);
    expect(read.map((d) => [d.name, d.source, d.sender])).toEqual([
      ['a.json', 'x', undefined],
      ['more.jsonl:1', 'generic', 'reviews'],
      ['more.jsonl:3', 'meta', undefined],
    ]);
    expect(read[0]!.body.toString()).toBe(exact);
    expect(read[2]!.body.toString()).toBe('{"object":"page", "entry":[]}');
    expect(read[2]!.messageId).toBe('msg_1');
    // The same recording gets the same message id: a receiver that dedupes sees a replay, not a new message.
    expect(readRecordings(root)[1]!.messageId).toBe(read[1]!.messageId);
    expect(webhookUrl('https://api.example', read[1]!)).toBe('https://api.example/webhooks/generic/reviews');
    // Trustpilot's URL carries its token (it signs nothing).
    expect(webhookUrl('https://api.example', { source: 'trustpilot' }, { trustpilot: 'tok_1' })).toBe(
      'https://api.example/webhooks/trustpilot/tok_1',
    );
  });

  it('says what is wrong with a file that is not a recording', () => {
    const root = dir();
    writeFileSync(path.join(root, 'x.json'), '{"hello": 1}');
    expect(() => readRecordings(path.join(root, 'x.json'))).toThrow(
      /not a delivery Heed recognizes.*"source"/,
    );
    writeFileSync(path.join(root, 'y.json'), '{"source": "myspace", "body": {}}');
    expect(() => readRecordings(path.join(root, 'y.json'))).toThrow(/unknown source myspace/);
    writeFileSync(path.join(root, 'z.jsonl'), '{"for_user_id": "1"}\n{oops');
    expect(() => readRecordings(path.join(root, 'z.jsonl'))).toThrow(/z.jsonl:2: not JSON/);
    expect(() => readRecordings(dir())).toThrow(/no .json or .jsonl recordings/);
  });

  it('plans a demo with every platform, a duplicate delivery, a burst and brand replies, fresh ids each run', () => {
    const a = demoPlan(new Date('2026-12-04T10:00:00Z'), 5);
    const b = demoPlan(new Date('2026-12-04T10:00:00.001Z'), 5);
    expect(new Set(a.customers.map((d) => d.source))).toEqual(new Set(['x', 'meta', 'generic']));
    // One delivery is sent twice (as X retries); each other one carries one new message.
    expect(a.customers.length).toBe(a.messages.size + 1);
    expect(a.brandReplies).toHaveLength(2);
    expect([...a.messages].filter((id) => b.messages.has(id))).toEqual([]);
    // Tweet ids as X makes them: above 2^53, so only id_str keeps them.
    const tweetIds = [...a.messages].filter((id) => /^\d+$/.test(id) && id.length >= 18);
    expect(tweetIds.length).toBeGreaterThan(5);
    expect(tweetIds.every((id) => BigInt(id) > 2n ** 53n)).toBe(true);
  });
});
