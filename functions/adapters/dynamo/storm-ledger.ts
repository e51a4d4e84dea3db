import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Clock, DigestClaim, DigestMember, StepClaim, StormLedger } from '#core/ports.ts';
import { documentClient, isConditionFailure } from './documents.ts';
import { epochSeconds, keys, TTL_ATTRIBUTE } from './keys.ts';

/** How long storm windows and digests are kept (TTL): far longer than any digest interval. */
const KEEP_MS = 7 * 86_400_000;

/**
 * Storm windows and digests in the complaints table. A digest a complaint joined is also remembered on
 * the complaint item (`pendingDigests`), so that complaint's timer settles it.
 */
export class DynamoStormLedger implements StormLedger {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    private readonly clock: Clock,
    client?: DynamoDBClient,
  ) {
    this.doc = documentClient(client);
  }

  private expiry(): number {
    return epochSeconds(new Date(this.clock.now().getTime() + KEEP_MS));
  }

  async countBreaches(level: number, complaintId: string, dueAt: Date, windowMs: number): Promise<number> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.stormBreach(level, dueAt, complaintId), [TTL_ATTRIBUTE]: this.expiry() },
      }),
    );
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.stormPartition(level),
            ':from': new Date(dueAt.getTime() - windowMs).toISOString(),
            ':to': `${dueAt.toISOString()}#~`,
          },
          Select: 'COUNT',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async joinDigest(digestKey: string, complaintId: string, line: string): Promise<'joined' | 'sent'> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.digest(digestKey),
          UpdateExpression:
            'SET #lines = list_append(if_not_exists(#lines, :empty), :line), expiresAt = :expires ADD ids :id',
          // Never into a digest that is out or being sent: that line would reach no one.
          ConditionExpression:
            'NOT contains(ids, :complaintId) AND attribute_not_exists(sent) AND attribute_not_exists(claim)',
          ExpressionAttributeNames: { '#lines': 'lines' },
          ExpressionAttributeValues: {
            ':empty': [],
            ':line': [{ complaintId, line } satisfies DigestMember],
            ':id': new Set([complaintId]),
            ':complaintId': complaintId,
            ':expires': this.expiry(),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: keys.digest(digestKey), ConsistentRead: true }),
      );
      // Already in it (a retried step) counts as joined, sent or not; otherwise it goes out without us.
      if (!(Item?.['ids'] as Set<string> | undefined)?.has(complaintId)) return 'sent';
    }
    await this.pendingDigest(complaintId, digestKey, 'ADD');
    return 'joined';
  }

  private pendingDigest(complaintId: string, digestKey: string, action: 'ADD' | 'DELETE') {
    return this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.complaint(complaintId),
        UpdateExpression: `${action} pendingDigests :key`,
        ExpressionAttributeValues: { ':key': new Set([digestKey]) },
      }),
    );
  }

  async claimDigest(digestKey: string, claim: StepClaim): Promise<DigestClaim> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.digest(digestKey),
          UpdateExpression: 'SET claim = :token, claimedUntil = :until',
          // Free, or ours (a retried request), or held by an attempt whose lease ran out (it died).
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(sent) AND ' +
            '(attribute_not_exists(claim) OR claim = :token OR claimedUntil < :now)',
          ExpressionAttributeValues: {
            ':token': claim.token,
            ':until': claim.at.getTime() + claim.leaseMs,
            ':now': claim.at.getTime(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { state: 'claimed', members: (Attributes?.['lines'] as DigestMember[] | undefined) ?? [] };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.digest(digestKey), ConsistentRead: true }),
    );
    if (!Item || Item['sent']) return { state: 'sent' };
    return { state: 'in-flight', until: Number(Item['claimedUntil'] ?? claim.at.getTime() + claim.leaseMs) };
  }

  async markDigestSent(digestKey: string, token: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.digest(digestKey),
        UpdateExpression: 'SET sent = :token',
        ExpressionAttributeValues: { ':token': token },
      }),
    );
  }

  async releaseDigest(digestKey: string, token: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.digest(digestKey),
          UpdateExpression: 'REMOVE claim, claimedUntil',
          // Only our own claim: a late retry of this request must not free another attempt's.
          ConditionExpression: 'claim = :token AND attribute_not_exists(sent)',
          ExpressionAttributeValues: { ':token': token },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  forgetDigest(digestKey: string, complaintId: string): Promise<void> {
    return this.pendingDigest(complaintId, digestKey, 'DELETE').then(() => undefined);
  }
}
