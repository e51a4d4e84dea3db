import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/** SQS refuses longer attribute values; a reason is a sentence, the message body stays whole. */
const MAX_REASON_CHARS = 1000;

/**
 * Sends a message that can never be processed straight to the DLQ, with why, so the queue does not
 * retry it maxReceiveCount times and the operator reads the reason next to it (`heed redrive`).
 */
export class SqsDeadLetters {
  constructor(
    private readonly queueUrl: string,
    private readonly client = new SQSClient({ useQueueUrlAsEndpoint: false }),
  ) {}

  async send(body: string, reason: string, at: Date): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: reason.slice(0, MAX_REASON_CHARS) || 'unknown' },
          failedAt: { DataType: 'String', StringValue: at.toISOString() },
        },
      }),
    );
  }
}
