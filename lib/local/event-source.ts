import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LocalFunction } from './lambda-runtime.ts';

export interface EventSourceOptions {
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
  /** The mapping's maximum concurrency (ScalingConfig); Lambda's own floor of 5 pollers otherwise. */
  maximumConcurrency: number | undefined;
  fn: LocalFunction;
  sqs: SQSClient;
  onError: (message: string, error: unknown) => void;
}

/** Lambda starts an SQS event source with five pollers, each invoking one batch at a time. */
const LAMBDA_INITIAL_POLLERS = 5;

/**
 * Feeds a function from a queue the way Lambda's SQS event source mapping does: concurrent pollers
 * (up to the mapping's maximum concurrency and the function's), long-poll batches, delete what
 * succeeded, leave failed records to reappear after the visibility timeout, so the queue's redrive
 * policy moves poison messages to the DLQ.
 */
export function startEventSource(options: EventSourceOptions): { stop(): Promise<void> } {
  let running = true;
  const pollers = Math.min(options.maximumConcurrency ?? LAMBDA_INITIAL_POLLERS, options.fn.maxConcurrency);
  const poll = async () => {
    while (running) {
      try {
        const { Messages = [] } = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: Math.min(options.batchSize, 10),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0 || !running) continue;
        const event: SQSEvent = {
          Records: Messages.map((m) => ({
            messageId: m.MessageId!,
            receiptHandle: m.ReceiptHandle!,
            body: m.Body ?? '',
            attributes: m.Attributes as never,
            messageAttributes: {},
            md5OfBody: m.MD5OfBody ?? '',
            eventSource: 'aws:sqs',
            eventSourceARN: options.queueArn,
            awsRegion: 'us-east-1',
          })),
        };
        let failed: Set<string>;
        try {
          const response = (await options.fn.invoke(event)) as SQSBatchResponse | undefined;
          failed = new Set(
            options.reportBatchItemFailures
              ? (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier)
              : [],
          );
        } catch (error) {
          options.onError(`${options.fn.logicalId} failed a whole batch`, error);
          failed = new Set(Messages.map((m) => m.MessageId!));
        }
        const done = Messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length > 0) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch (error) {
        if (!running) break;
        options.onError('event source poll failed', error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  const loops = Array.from({ length: Math.max(1, pollers) }, poll);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
