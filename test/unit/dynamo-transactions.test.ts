import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAnswer, DynamoTransactions } from '../../lib/local/dynamo-transactions.ts';
import { startDynalite } from '../support/dynalite.ts';

let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let db: DynamoDBClient;
let tx: DynamoTransactions;
const TableName = 'transactions';

beforeAll(async () => {
  dynamo = await startDynalite(TableName);
  db = dynamo.client;
  tx = new DynamoTransactions(dynamo.url);
});
afterAll(() => dynamo.close());

const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'X' } });
const read = async (pk: string) => (await db.send(new GetItemCommand({ TableName, Key: key(pk) }))).Item;
const add = (pk: string, n: number) => ({
  Update: {
    TableName,
    Key: key(pk),
    UpdateExpression: 'ADD n :n',
    ExpressionAttributeValues: { ':n': { N: String(n) } },
  },
});

describe('the twin’s TransactWriteItems', () => {
  it('applies every item, or none when a condition fails, with one reason per item', async () => {
    await tx.transactWrite({
      TransactItems: [
        {
          Put: {
            TableName,
            Item: { ...key('a'), v: { S: '1' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        add('count', 1),
      ],
    });
    expect((await read('a'))?.['v']).toEqual({ S: '1' });
    expect((await read('count'))?.['n']).toEqual({ N: '1' });

    const failing = tx.transactWrite({
      TransactItems: [
        add('count', 1),
        { Put: { TableName, Item: { ...key('new'), v: { S: 'x' } } } },
        {
          Put: {
            TableName,
            Item: { ...key('a'), v: { S: '2' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    await expect(failing).rejects.toBeInstanceOf(DynamoAnswer);
    await expect(failing).rejects.toMatchObject({
      type: expect.stringMatching(/TransactionCanceledException$/),
      extra: {
        CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      },
    });
    // Undone: the counter as before, the new item gone, the guarded item untouched.
    expect((await read('count'))?.['n']).toEqual({ N: '1' });
    expect(await read('new')).toBeUndefined();
    expect((await read('a'))?.['v']).toEqual({ S: '1' });
  });

  it('applies a retried transaction once (ClientRequestToken), and refuses the token for another request', async () => {
    const request = { TransactItems: [add('retried', 5)], ClientRequestToken: 'token-1' };
    await tx.transactWrite(request);
    await tx.transactWrite(request);
    expect((await read('retried'))?.['n']).toEqual({ N: '5' });
    await expect(
      tx.transactWrite({ TransactItems: [add('retried', 6)], ClientRequestToken: 'token-1' }),
    ).rejects.toMatchObject({ type: 'IdempotentParameterMismatchException' });
  });

  it('keeps concurrent single writes out of a transaction in progress', async () => {
    const writes = Array.from({ length: 20 }, (_, i) =>
      i % 2
        ? tx.transactWrite({ TransactItems: [add('race', 1), add('race-twin', 1)] })
        : tx.write(() => db.send(new PutItemCommand({ TableName, Item: { ...key(`single-${i}`) } }))),
    );
    await Promise.all(writes);
    expect((await read('race'))?.['n']).toEqual({ N: '10' });
    expect((await read('race-twin'))?.['n']).toEqual({ N: '10' });
  });
});
