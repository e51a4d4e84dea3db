import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ListeningCheckpoint, ListeningCheckpoints } from '#core/ports.ts';
import { documentClient } from './documents.ts';
import { keys } from './keys.ts';

/** One item per listener (feed or search) in the complaints table: what it has seen, when to poll again. */
export class DynamoListeningCheckpoints implements ListeningCheckpoints {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client?: DynamoDBClient,
  ) {
    this.doc = documentClient(client);
  }

  async get(id: string): Promise<ListeningCheckpoint> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.listener(id), ConsistentRead: true }),
    );
    return (Item?.['checkpoint'] as ListeningCheckpoint | undefined) ?? {};
  }

  async put(id: string, checkpoint: ListeningCheckpoint): Promise<void> {
    // Undefined fields are dropped, not stored: the document client refuses undefined values.
    const clean = JSON.parse(JSON.stringify(checkpoint)) as ListeningCheckpoint;
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.listener(id), checkpoint: clean } }),
    );
  }
}
