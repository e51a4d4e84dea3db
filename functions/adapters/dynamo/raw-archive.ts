import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { QueuedEvent } from '#core/model/interaction.ts';
import type { RawArchive } from '#core/ports.ts';
import { documentClient } from './documents.ts';
import { epochSeconds, keys, TTL_ATTRIBUTE } from './keys.ts';

/** Raw queued events in the complaints table, expiring by TTL (`heed replay` reads them back). */
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
}
