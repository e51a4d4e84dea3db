import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamo/documents.ts';
import { keys } from '#adapters/dynamo/keys.ts';
import { DynamoStormLedger } from '#adapters/dynamo/storm-ledger.ts';
import { startDynalite } from '../support/dynalite.ts';
import { FixedClock } from '../support/fakes.ts';

/**
 * The storm ledger on dynalite, where conditions are evaluated as DynamoDB does. Requests can be
 * applied and then retried (a lost response, an SDK retry), so every digest call must be safe to
 * repeat late: the 10,000-message fault run published digests twice when a give-back landed after
 * another member had claimed the digest.
 */
let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let ledger: DynamoStormLedger;
let doc: ReturnType<typeof documentClient>;
const TableName = 'complaints';
const clock = new FixedClock(new Date('2026-12-05T09:00:00.000Z'));
const LEASE = 60_000;
const claim = (token: string) => ({ token, at: clock.wallNow(), leaseMs: LEASE });

beforeAll(async () => {
  dynamo = await startDynalite(TableName);
  ledger = new DynamoStormLedger(TableName, clock, dynamo.client);
  doc = documentClient(dynamo.client);
  for (const id of ['c_a', 'c_b', 'c_c', 'c_d'])
    await doc.send(new PutCommand({ TableName, Item: { ...keys.complaint(id), id } }));
});
afterAll(() => dynamo.close());

const pending = async (id: string) => [
  ...(((await doc.send(new GetCommand({ TableName, Key: keys.complaint(id) }))).Item?.['pendingDigests'] as
    | Set<string>
    | undefined) ?? []),
];

describe('storm digests on DynamoDB', () => {
  it('gives a claim to one attempt at a time; a retry of the same request is the same claimant', async () => {
    const key = 'oncall#2#1';
    expect(await ledger.joinDigest(key, 'c_a', 'line a')).toBe('joined');
    expect(await ledger.joinDigest(key, 'c_b', 'line b')).toBe('joined');
    const first = await ledger.claimDigest(key, claim('t1'));
    expect(first).toEqual({
      state: 'claimed',
      members: [
        { complaintId: 'c_a', line: 'line a' },
        { complaintId: 'c_b', line: 'line b' },
      ],
    });
    // The same request again (its response was lost): still ours.
    expect((await ledger.claimDigest(key, claim('t1'))).state).toBe('claimed');
    expect(await ledger.claimDigest(key, claim('t2'))).toEqual({
      state: 'in-flight',
      until: clock.wallNow().getTime() + LEASE,
    });
    // Nobody joins a digest being sent: that line would reach no one.
    expect(await ledger.joinDigest(key, 'c_c', 'line c')).toBe('sent');
    // A member already in it still counts as joined (a retried step).
    expect(await ledger.joinDigest(key, 'c_b', 'line b')).toBe('joined');
  });

  it('lets a late give-back of an earlier attempt free nobody else’s claim', async () => {
    const key = 'oncall#2#2';
    await ledger.joinDigest(key, 'c_a', 'line a');
    expect((await ledger.claimDigest(key, claim('t1'))).state).toBe('claimed');
    await ledger.releaseDigest(key, 't1'); // t1's publish failed: given back
    expect((await ledger.claimDigest(key, claim('t2'))).state).toBe('claimed');
    await ledger.releaseDigest(key, 't1'); // t1's give-back again, retried by its SDK after t2's claim
    expect((await ledger.claimDigest(key, claim('t3'))).state).toBe('in-flight');
    await ledger.markDigestSent(key, 't2');
    await ledger.releaseDigest(key, 't2'); // even its own claim cannot be given back once sent
    expect(await ledger.claimDigest(key, claim('t3'))).toEqual({ state: 'sent' });
    expect(await ledger.joinDigest(key, 'c_d', 'line d')).toBe('sent');
  });

  it('lets another member take over a claim whose lease ran out (its claimant died)', async () => {
    const key = 'oncall#2#3';
    await ledger.joinDigest(key, 'c_a', 'line a');
    expect((await ledger.claimDigest(key, claim('t1'))).state).toBe('claimed');
    clock.advance(LEASE + 1);
    expect((await ledger.claimDigest(key, claim('t2'))).state).toBe('claimed');
    expect((await ledger.claimDigest(key, claim('t1'))).state).toBe('in-flight');
  });

  it('remembers a joined digest on the complaint until the complaint forgets it', async () => {
    const key = 'team#1#4';
    await ledger.joinDigest(key, 'c_d', 'line d');
    expect(await pending('c_d')).toContain(key);
    await ledger.forgetDigest(key, 'c_d');
    expect(await pending('c_d')).not.toContain(key);
    expect(await ledger.claimDigest('team#1#unknown', claim('t1'))).toEqual({ state: 'sent' });
  });
});
