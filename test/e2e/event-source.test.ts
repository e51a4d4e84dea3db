import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { interceptLocalhostDns, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEventSource } from '../../lib/local/event-source.ts';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';
import { eventually } from '../support/twin.ts';

// The twin's event source mapping against a real SQS emulator, with a short visibility timeout so
// redrive happens in seconds rather than the deployed 180 s.
let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let restoreDns: () => void;
let sqs: SQSClient;

beforeAll(async () => {
  restoreDns = interceptLocalhostDns();
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({
    endpoint: fauxqs.address,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
});
afterAll(async () => {
  await fauxqs?.stop();
  restoreDns?.();
});

it('deletes what succeeded, retries what failed, and redrives poison to the DLQ without blocking the rest', async () => {
  const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'events',
      Attributes: {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!['QueueArn'], maxReceiveCount: 2 }),
      },
    }),
  );
  const seen: string[] = [];
  const fn: LocalFunction = {
    logicalId: 'Fake',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:Fake',
    entry: '',
    timeoutSeconds: 3,
    environment: {},
    maxConcurrency: 1,
    usage: { invocations: 0, durationMs: 0, coldStarts: 0 },
    memorySize: 128,
    crash() {},
    async invoke(event) {
      const records = (event as SQSEvent).Records;
      seen.push(...records.map((r) => r.body));
      return {
        batchItemFailures: records
          .filter((r) => r.body === 'poison')
          .map((r) => ({ itemIdentifier: r.messageId })),
      };
    },
  };
  const source = startEventSource({
    queueUrl: QueueUrl!,
    queueArn: 'arn',
    batchSize: 10,
    maximumConcurrency: undefined,
    reportBatchItemFailures: true,
    fn,
    sqs,
    onError: () => {},
  });
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'good' }));
    const dead = await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 0 }),
        );
        return Messages.length > 0 && Messages;
      },
      10_000,
      'the poison message in the DLQ',
    );
    expect(dead.map((m) => m.Body)).toEqual(['poison']);
    expect(seen.filter((b) => b === 'good')).toEqual(['good']); // processed once, deleted
    expect(seen.filter((b) => b === 'poison').length).toBe(2); // maxReceiveCount attempts
  } finally {
    await source.stop();
  }
});
