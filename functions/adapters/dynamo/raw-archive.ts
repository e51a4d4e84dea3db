import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { QueuedEvent, UnhandledPayload } from '#core/model/interaction.ts';
import type { RawArchive } from '#core/ports.ts';
import { documentClient } from './documents.ts';
import { cursors, epochSeconds, keys, TTL_ATTRIBUTE } from './keys.ts';

/** Raw queued events in the complaints table, expiring by TTL (`heed reprocess` reads them back). */
export class DynamoRawArchive implements RawArchive {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client?: DynamoDBClient,
  ) {
    this.doc = documentClient(client);
  }

  async keep(event: QueuedEvent, expiresAt: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.raw(event.deliveryId),
          event: JSON.stringify(event),
          [TTL_ATTRIBUTE]: epochSeconds(expiresAt),
        },
      }),
    );
  }

  async forget(deliveryIds: string[]): Promise<void> {
    await Promise.all(
      deliveryIds.map((deliveryId) =>
        this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: keys.raw(deliveryId) })),
      ),
    );
  }

  async keepUnhandled(event: QueuedEvent, expiresAt: Date): Promise<void> {
    const { source } = UnhandledPayload.parse(event.payload);
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.unhandled(source, event.receivedAt, event.deliveryId),
          event: JSON.stringify(event),
          [TTL_ATTRIBUTE]: epochSeconds(expiresAt),
        },
      }),
    );
  }

  async listUnhandled(source: string, cursor?: string): Promise<{ events: QueuedEvent[]; cursor?: string }> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.unhandledPartition(source) },
        ExclusiveStartKey: cursors.decode(cursor),
        Limit: 100,
      }),
    );
    return {
      events: (page.Items ?? []).map((item) => QueuedEvent.parse(JSON.parse(String(item['event'])))),
      cursor: cursors.encode(page.LastEvaluatedKey) ?? undefined,
    };
  }

  async dropUnhandled(event: QueuedEvent): Promise<void> {
    const { source } = UnhandledPayload.parse(event.payload);
    await this.doc.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.unhandled(source, event.receivedAt, event.deliveryId),
      }),
    );
  }
}
