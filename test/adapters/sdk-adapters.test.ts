import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import { secretsManagerWebhookSecrets } from '#adapters/secrets-manager-webhook-secrets.ts';
import { StepFunctionsSlaTimers } from '#adapters/sfn-sla-timers.ts';
import { SqsEventQueue } from '#adapters/sqs-event-queue.ts';
import type { QueuedEvent } from '#core/model/interaction.ts';

const event = (n: number): QueuedEvent => ({
  v: 1,
  platform: 'x',
  deliveryId: `d:${n}`,
  receivedAt: '2026-11-23T10:00:00.000Z',
  type: 'tweet_create',
  payload: {},
});

afterEach(() => {
  vi.useRealTimers();
});

describe('SqsEventQueue', () => {
  const sqs = mockClient(SQSClient);
  afterEach(() => sqs.reset());

  it('sends in batches of ten and re-sends only the entries SQS failed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '3', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });
    await new SqsEventQueue('https://queue', new SQSClient({})).enqueue(
      Array.from({ length: 12 }, (_, n) => event(n)),
    );
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length);
    expect(calls).toEqual([10, 1, 2]);
    expect(sqs.commandCalls(SendMessageBatchCommand)[1]!.args[0].input.Entries![0]!.Id).toBe('3');
  });

  it('throws at once on a sender fault (a retry cannot succeed), so the platform is answered 5xx', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true }],
    });
    await expect(new SqsEventQueue('https://queue', new SQSClient({})).enqueue([event(0)])).rejects.toThrow(
      /InvalidMessageContents \(sender fault\)/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('gives up after its attempts when SQS keeps failing an entry', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'ServiceUnavailable', SenderFault: false }],
    });
    await expect(new SqsEventQueue('https://queue', new SQSClient({})).enqueue([event(0)])).rejects.toThrow(
      /could not enqueue 1 event/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(4);
  });
});

describe('StepFunctionsSlaTimers', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());
  const machine = 'arn:aws:states:us-east-1:1:stateMachine:sla';

  it('starts an execution under the given name, and treats a used name as this generation’s timer', async () => {
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: 'a', startDate: new Date() });
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const timers = new StepFunctionsSlaTimers(machine, new SFNClient({}));
    await timers.start('c_1-t0', 'c_1');
    await timers.start('c_1-t0', 'c_1');
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: machine,
      name: 'c_1-t0',
      input: JSON.stringify({ complaintId: 'c_1' }),
    });
  });

  it('lets a throttled start fail, so the queue redelivers it', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(
      new StepFunctionsSlaTimers(machine, new SFNClient({ maxAttempts: 1 })).start('c_1-t0', 'c_1'),
    ).rejects.toThrow('Rate exceeded');
  });

  it('stops exactly the named executions and ignores those that never existed', async () => {
    sfn
      .on(StopExecutionCommand, { executionArn: 'arn:aws:states:us-east-1:1:execution:sla:c_1-t1' })
      .rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }))
      .on(StopExecutionCommand)
      .resolves({ stopDate: new Date() });
    await new StepFunctionsSlaTimers(machine, new SFNClient({})).stop(['c_1-t0', 'c_1-t1']);
    expect(
      sfn
        .commandCalls(StopExecutionCommand)
        .map((c) => c.args[0].input.executionArn)
        .sort(),
    ).toEqual([
      'arn:aws:states:us-east-1:1:execution:sla:c_1-t0',
      'arn:aws:states:us-east-1:1:execution:sla:c_1-t1',
    ]);
  });
});

describe('the webhook secrets cache', () => {
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());
  const value = JSON.stringify({ xConsumerSecret: 'kH3pZ9qL2mW8vR4tY7uJ1nB5cX0aS6dF9gH2jK4lP8oI3uE7wQ' });

  it('reads once within the TTL, again after it, and never caches a failure', async () => {
    vi.useFakeTimers({ now: 0 });
    secrets.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: value });
    const read = secretsManagerWebhookSecrets('arn:secret', {
      client: new SecretsManagerClient({}),
      ttlMs: 60_000,
    });
    await expect(read()).rejects.toThrow('throttled');
    await read();
    await read();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    vi.setSystemTime(60_001);
    await read();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });
});

describe('DynamoComplaintRepository step claims', () => {
  const doc = mockClient(DynamoDBDocumentClient);
  afterEach(() => doc.reset());
  const conditionFailed = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  const claimAttempts = () =>
    doc
      .commandCalls(UpdateCommand)
      .filter((c) => String(c.args[0].input.ConditionExpression).includes('attribute_not_exists(#claim)'));
  const event = { at: '2026-12-05T08:00:00.000Z', type: 'breached' as const, detail: { step: 'L1' } };
  const claim = { token: 'b', at: new Date('2026-12-05T08:00:00Z'), leaseMs: 60_000 };

  it('claims again when the claim it lost to was released before it looked (never pages without holding it)', async () => {
    doc.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    // The read finds the step free again (the other attempt failed before paging and released it);
    // settleStats' reads then find nothing to settle.
    doc
      .on(GetCommand)
      .resolvesOnce({ Item: { pk: 'C#c1', sk: 'C', status: 'open' } })
      .resolves({});
    const repo = new DynamoComplaintRepository('t', { client: new DynamoDBClient({ region: 'us-east-1' }) });
    expect(await repo.claimSlaStep('c1', 'L1', {}, event, claim)).toBe('claimed');
    expect(claimAttempts()).toHaveLength(2);
  });

  it('leaves a step whose claim keeps coming and going for later, and respects a live claim', async () => {
    doc.on(UpdateCommand).rejects(conditionFailed());
    doc.on(GetCommand).resolves({ Item: { pk: 'C#c1', sk: 'C', status: 'open' } });
    const repo = new DynamoComplaintRepository('t', { client: new DynamoDBClient({ region: 'us-east-1' }) });
    expect(await repo.claimSlaStep('c1', 'L1', {}, event, claim)).toBe('in-flight');
    expect(claimAttempts()).toHaveLength(3);
    doc.reset();
    doc.on(UpdateCommand).rejects(conditionFailed());
    doc.on(GetCommand).resolves({
      Item: {
        pk: 'C#c1',
        sk: 'C',
        status: 'open',
        claim_L1: { token: 'a', at: claim.at.getTime() - 1000, sent: false },
      },
    });
    expect(await repo.claimSlaStep('c1', 'L1', {}, event, claim)).toBe('in-flight');
  });
});
