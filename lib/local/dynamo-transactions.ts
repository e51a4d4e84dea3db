import {
  type AttributeValue,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { LOCAL_REGION } from './template.ts';

/** A DynamoDB error answer of the twin's own making, in the JSON protocol's shape. */
export class DynamoAnswer extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

type Item = Record<string, AttributeValue>;

/** How long DynamoDB remembers a ClientRequestToken (the API reference: 10 minutes). */
const TOKEN_MEMORY_MS = 10 * 60 * 1000;
const MAX_ITEMS = 100;

/**
 * TransactWriteItems for the twin, which dynalite does not serve: the items are applied in order,
 * each with its own condition, while no other write to the emulator runs (every write passes
 * through `write`); a failed condition undoes what was applied and answers
 * TransactionCanceledException with one reason per item, as DynamoDB does. A ClientRequestToken
 * makes a retried transaction succeed without applying it twice.
 *
 * What it does not do: survive a crash of the twin between two items (DynamoDB is atomic there),
 * or isolate a single-item read from a transaction in progress. ConditionCheck items are refused.
 */
export class DynamoTransactions {
  private readonly client: DynamoDBClient;
  private readonly tokens = new Map<string, { request: string; at: number }>();

  constructor(dynamoUrl: string) {
    this.client = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: dynamoUrl,
      credentials: { accessKeyId: 'twin', secretAccessKey: 'twin' },
      maxAttempts: 1,
    });
  }

  private writesInFlight = 0;
  private transaction: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  /**
   * A single-item write: runs alongside other writes, but never while a transaction is applied
   * (a shared lock; the transaction holds it exclusively).
   */
  async write<T>(run: () => Promise<T>): Promise<T> {
    while (this.transaction) await this.transaction;
    this.writesInFlight++;
    try {
      return await run();
    } finally {
      if (--this.writesInFlight === 0) this.drained?.();
    }
  }

  async transactWrite(params: {
    TransactItems?: TransactWriteItem[];
    ClientRequestToken?: string;
  }): Promise<object> {
    while (this.transaction) await this.transaction;
    let release!: () => void;
    this.transaction = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      if (this.writesInFlight > 0)
        await new Promise<void>((resolve) => {
          this.drained = resolve;
        });
      this.drained = undefined;
      return await this.apply(params);
    } finally {
      this.transaction = undefined;
      release();
    }
  }

  private async apply({
    TransactItems: items = [],
    ClientRequestToken: token,
  }: {
    TransactItems?: TransactWriteItem[];
    ClientRequestToken?: string;
  }): Promise<object> {
    if (items.length === 0 || items.length > MAX_ITEMS)
      throw new DynamoAnswer(400, 'ValidationException', `TransactItems must hold 1 to ${MAX_ITEMS} items`);
    const request = JSON.stringify(items);
    const now = Date.now();
    for (const [key, { at }] of this.tokens) if (now - at > TOKEN_MEMORY_MS) this.tokens.delete(key);
    if (token) {
      const seen = this.tokens.get(token);
      if (seen && seen.request !== request)
        throw new DynamoAnswer(
          400,
          'IdempotentParameterMismatchException',
          'The request uses the same client token as a previous, but non-identical request.',
        );
      if (seen) return {};
    }
    const tables = items.map((item) => {
      const op = item.Put ?? item.Update ?? item.Delete;
      if (!op || item.ConditionCheck)
        throw new DynamoAnswer(
          400,
          'ValidationException',
          'the local twin serves Put, Update and Delete items in transactions',
        );
      return op.TableName!;
    });
    const applied: { table: string; key: Item; old: Item | undefined }[] = [];
    const reasons: { Code: string; Message?: string }[] = items.map(() => ({ Code: 'None' }));
    for (const [index, item] of items.entries()) {
      try {
        applied.push(await this.applyOne(item, tables[index]!));
      } catch (error) {
        await this.undo(applied);
        const name = (error as Error).name;
        if (name !== 'ConditionalCheckFailedException') throw error;
        reasons[index] = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
        throw new DynamoAnswer(
          400,
          'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
          { CancellationReasons: reasons },
        );
      }
    }
    if (token) this.tokens.set(token, { request, at: now });
    return {};
  }

  private async applyOne(item: TransactWriteItem, table: string) {
    if (item.Put) {
      const { Attributes } = await this.client.send(
        new PutItemCommand({ ...item.Put, ReturnValues: 'ALL_OLD' }),
      );
      return { table, key: await this.keyOf(table, item.Put.Item!), old: Attributes };
    }
    if (item.Update) {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({ ...item.Update, ReturnValues: 'ALL_OLD' }),
      );
      return { table, key: item.Update.Key!, old: Attributes };
    }
    const { Attributes } = await this.client.send(
      new DeleteItemCommand({ ...item.Delete!, ReturnValues: 'ALL_OLD' }),
    );
    return { table, key: item.Delete!.Key!, old: Attributes };
  }

  private readonly keySchemas = new Map<string, string[]>();

  /** A Put's key: its item's key attributes, by the table's key schema. */
  private async keyOf(table: string, item: Item): Promise<Item> {
    let names = this.keySchemas.get(table);
    if (!names) {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: table }));
      names = (Table?.KeySchema ?? []).map((k) => k.AttributeName!);
      this.keySchemas.set(table, names);
    }
    return Object.fromEntries(names.map((name) => [name, item[name]!]));
  }

  private async undo(applied: { table: string; key: Item; old: Item | undefined }[]): Promise<void> {
    for (const { table, key, old } of applied.reverse()) {
      if (old) await this.client.send(new PutItemCommand({ TableName: table, Item: old }));
      else await this.client.send(new DeleteItemCommand({ TableName: table, Key: key }));
    }
  }
}
