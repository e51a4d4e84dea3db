import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueuedEvent } from '#core/model/interaction.ts';
import type { EventQueue } from '#core/ports.ts';

const BATCH = 10; // SendMessageBatch's maximum
const ATTEMPTS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly client = new SQSClient({ useQueueUrlAsEndpoint: false }),
  ) {}

  /** Sends in batches of ten, re-sending only the entries SQS reports as failed; throws if any remain. */
  async enqueue(events: QueuedEvent[]): Promise<void> {
    for (let offset = 0; offset < events.length; offset += BATCH) {
      let pending = events
        .slice(offset, offset + BATCH)
        .map((event, i) => ({ Id: String(i), MessageBody: JSON.stringify(event) }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const result = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        pending = pending.filter((entry) => failed.has(entry.Id));
        if (pending.length === 0) break;
        const reasons = (result.Failed ?? []).map(
          (f) => `${f.Code}${f.SenderFault ? ' (sender fault)' : ''}`,
        );
        if (attempt >= ATTEMPTS || result.Failed?.some((f) => f.SenderFault)) {
          throw new Error(`could not enqueue ${pending.length} event(s): ${reasons.join(', ')}`);
        }
        await sleep(50 * 2 ** attempt);
      }
    }
  }
}
