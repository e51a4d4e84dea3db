import { appendFileSync } from 'node:fs';
import type { SNSClient } from '@aws-sdk/client-sns';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type CfnTemplate, type PhysicalResource, resourcesOfType } from './template.ts';

export interface OutboxLine {
  complaintId: string;
  level: number;
  step: string;
  subject: string;
  message: string;
  publishedAt: string;
  attributes: Record<string, string>;
  topicArn: string;
}

/** Subscribes a tap queue to every topic and writes what is published there to the outbox. */
export async function startOutbox(
  template: CfnTemplate,
  ctx: {
    physical: Map<string, PhysicalResource>;
    sqs: SQSClient;
    sns: SNSClient;
    outboxPath: string;
    log: (line: string) => void;
    onError: (m: string, e: unknown) => void;
    listeners: Set<(line: OutboxLine) => void>;
  },
) {
  const { QueueUrl } = await ctx.sqs.send(new CreateQueueCommand({ QueueName: 'heed-local-outbox' }));
  const { Attributes } = await ctx.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  for (const [id] of resourcesOfType(template, 'AWS::SNS::Topic')) {
    await ctx.sns.send(
      new SubscribeCommand({
        TopicArn: ctx.physical.get(id)!.ref,
        Protocol: 'sqs',
        Endpoint: Attributes!['QueueArn'],
      }),
    );
  }
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const { Messages = [] } = await ctx.sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const m of Messages) {
          const envelope = JSON.parse(m.Body ?? '{}') as {
            Subject?: string;
            Message: string;
            Timestamp: string;
            TopicArn: string;
            MessageAttributes?: Record<string, { Value: string }>;
          };
          const attributes = Object.fromEntries(
            Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
          );
          const line: OutboxLine = {
            complaintId: attributes['complaintId'] ?? '',
            level: Number(attributes['level'] ?? 0),
            step: attributes['step'] ?? '',
            subject: envelope.Subject ?? '',
            message: envelope.Message,
            publishedAt: envelope.Timestamp,
            attributes,
            topicArn: envelope.TopicArn,
          };
          appendFileSync(ctx.outboxPath, `${JSON.stringify(line)}\n`);
          ctx.log(`\n📣 ${line.subject}\n${line.message.replace(/^/gm, '   ')}\n`);
          for (const listener of ctx.listeners) listener(line);
        }
        if (Messages.length) {
          await ctx.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch (error) {
        if (running) ctx.onError('outbox poll failed', error);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
