import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ReplayGuard } from '#core/ports.ts';

/**
 * Message ids in their own small table (key `pk`, TTL on `expiresAt`). The low-level client keeps the
 * ingest bundle small: it is the only DynamoDB call on the intake path.
 */
export class DynamoReplayGuard implements ReplayGuard {
  constructor(
    private readonly tableName: string,
    private readonly client = new DynamoDBClient({}),
  ) {}

  async begin(key: string, expiresAt: Date): Promise<'first' | 'replay'> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: key },
            state: { S: 'pending' },
            expiresAt: { N: String(Math.ceil(expiresAt.getTime() / 1000)) },
          },
          // A pending id is an attempt that never reached the queue: its retry must go through.
          ConditionExpression: 'attribute_not_exists(pk) OR #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': { S: 'pending' } },
        }),
      );
      return 'first';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'replay';
      throw error;
    }
  }

  async accepted(key: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: key } },
        UpdateExpression: 'SET #state = :accepted',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':accepted': { S: 'accepted' } },
      }),
    );
  }
}
