import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalSecret } from './aws-json-server.ts';
import { functionArn } from './lambda-runtime.ts';
import {
  type CfnTemplate,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type PhysicalResource,
  resourcesOfType,
  type TemplateResolver,
} from './template.ts';

export interface ProvisionContext {
  physical: Map<string, PhysicalResource>;
  resolver: TemplateResolver;
  ddb: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  /** Every secret's value (one document: each function reads the fields it knows). */
  secrets: Record<string, unknown>;
  localSecrets: LocalSecret[];
  apiUrl: string;
  /** Tests only: a shorter visibility timeout, so a crashed batch reappears in seconds, not minutes. */
  visibilityTimeoutSeconds?: number;
}

/** Creates the template's tables, queues, topics and secrets on the emulators, as CloudFormation would. */
export async function provision(template: CfnTemplate, ctx: ProvisionContext): Promise<void> {
  const { physical, resolver } = ctx;
  const arn = (service: string, rest: string) =>
    `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${rest}`;

  for (const [id] of resourcesOfType(template, 'AWS::Lambda::Function'))
    physical.set(id, { ref: id, attributes: { Arn: functionArn(id) } });
  for (const [id] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
    const machineArn = arn('states', `stateMachine:${id}`);
    physical.set(id, { ref: machineArn, attributes: { Arn: machineArn, Name: id } });
  }
  for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api')) {
    physical.set(id, { ref: 'local', attributes: { ApiId: 'local', ApiEndpoint: ctx.apiUrl } });
  }
  // Nothing local encrypts, but policies name the keys: each gets its ARN (IAM still checks who may use it).
  for (const [id] of resourcesOfType(template, 'AWS::KMS::Key')) {
    const keyArn = arn('kms', `key/${id}`);
    physical.set(id, { ref: id, attributes: { Arn: keyArn, KeyId: id } });
  }
  // The twin serves the console and the API on one origin, as the distribution does in AWS.
  for (const [id] of resourcesOfType(template, 'AWS::CloudFront::Distribution'))
    physical.set(id, { ref: id, attributes: { DomainName: new URL(ctx.apiUrl).host, Id: id } });
  // The console's bucket exists only in AWS (the twin serves console/dist); policies still name it.
  for (const [id] of resourcesOfType(template, 'AWS::S3::Bucket')) {
    const name = `heed-local-${id.toLowerCase()}`;
    physical.set(id, {
      ref: name,
      attributes: {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.local`,
        RegionalDomainName: `${name}.s3.local`,
      },
    });
  }
  for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Integration'))
    physical.set(id, { ref: id, attributes: {} });

  for (const [id] of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
    const secretArn = arn('secretsmanager', `secret:${id}`);
    ctx.localSecrets.push({ arn: secretArn, name: id, value: JSON.stringify(ctx.secrets) });
    physical.set(id, { ref: secretArn, attributes: { Id: secretArn } });
  }

  for (const [id, resource] of [
    ...resourcesOfType(template, 'AWS::DynamoDB::GlobalTable'),
    ...resourcesOfType(template, 'AWS::DynamoDB::Table'),
  ]) {
    const p = resource.Properties ?? {};
    const TableName = `heed-${id}`;
    const gsis = ((p['GlobalSecondaryIndexes'] as Record<string, unknown>[] | undefined) ?? []).map((g) => ({
      IndexName: g['IndexName'],
      KeySchema: g['KeySchema'],
      Projection: g['Projection'] ?? { ProjectionType: 'ALL' },
    }));
    const create = new CreateTableCommand({
      TableName,
      KeySchema: p['KeySchema'] as never,
      AttributeDefinitions: p['AttributeDefinitions'] as never,
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: gsis.length ? (gsis as never) : undefined,
    });
    try {
      await ctx.ddb.send(create);
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error; // kept from a previous run
      await migrateIndexes(
        ctx.ddb,
        create,
        gsis.map((g) => String(g.IndexName)),
      );
    }
    const tableArn = arn('dynamodb', `table/${TableName}`);
    physical.set(id, {
      ref: TableName,
      attributes: { Arn: tableArn, StreamArn: `${tableArn}/stream/local` },
    });
  }

  // Dead-letter queues first: the queues that redrive to them need their ARNs.
  const queues = resourcesOfType(template, 'AWS::SQS::Queue').sort(
    ([, a], [, b]) =>
      Number(Boolean(a.Properties?.['RedrivePolicy'])) - Number(Boolean(b.Properties?.['RedrivePolicy'])),
  );
  for (const [id, resource] of queues) {
    const p = resource.Properties ?? {};
    const Attributes: Record<string, string> = {};
    for (const key of [
      'VisibilityTimeout',
      'MessageRetentionPeriod',
      'DelaySeconds',
      'ReceiveMessageWaitTimeSeconds',
      'MaximumMessageSize',
    ]) {
      if (p[key] !== undefined) Attributes[key] = String(p[key]);
    }
    if (ctx.visibilityTimeoutSeconds !== undefined && Attributes['VisibilityTimeout'])
      Attributes['VisibilityTimeout'] = String(ctx.visibilityTimeoutSeconds);
    if (p['RedrivePolicy'])
      Attributes['RedrivePolicy'] = JSON.stringify(resolver.resolve(p['RedrivePolicy']));
    const QueueName = `heed-${id}`;
    const { QueueUrl } = await ctx.sqs.send(new CreateQueueCommand({ QueueName, Attributes }));
    const { Attributes: attrs } = await ctx.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    physical.set(id, {
      ref: QueueUrl!,
      attributes: { Arn: attrs!['QueueArn']!, QueueName, QueueUrl: QueueUrl! },
    });
  }

  for (const [id] of resourcesOfType(template, 'AWS::SNS::Topic')) {
    const { TopicArn } = await ctx.sns.send(new CreateTopicCommand({ Name: `heed-${id}` }));
    physical.set(id, { ref: TopicArn!, attributes: { TopicArn: TopicArn!, TopicName: `heed-${id}` } });
  }
}

/**
 * A table kept from an earlier run whose indexes differ from the template's (a newer Heed added one)
 * is rebuilt with them and its items copied back: DynamoDB would add the index online; the twin's
 * emulator cannot, and a query on the missing index would fail.
 */
async function migrateIndexes(ddb: DynamoDBClient, create: CreateTableCommand, wanted: string[]) {
  const TableName = create.input.TableName!;
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName }));
  const existing = (Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort();
  if (JSON.stringify(existing) === JSON.stringify([...wanted].sort())) return;
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName, ExclusiveStartKey: start as never }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  await ddb.send(new DeleteTableCommand({ TableName }));
  // Deleting and creating are asynchronous, as in DynamoDB: wait for each to finish.
  for (;;) {
    try {
      await ddb.send(new DescribeTableCommand({ TableName }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') break;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await ddb.send(create);
  while ((await ddb.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus !== 'ACTIVE')
    await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < items.length; i += 25) {
    let pending: unknown[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length) {
      const { UnprocessedItems } = await ddb.send(
        new BatchWriteItemCommand({ RequestItems: { [TableName]: pending as never } }),
      );
      pending = UnprocessedItems?.[TableName] ?? [];
    }
  }
}
