import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueuedEvent } from '#core/model/interaction.ts';
import type { EventQueue } from '#core/ports.ts';

const BATCH = 10; // SendMessageBatch's maximum entries
/** SQS's limit for one message, and for a whole batch (1 MiB). */
export const SQS_MAX_BYTES = 1_048_576;
const ATTEMPTS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A queue message body for any event. SQS accepts only some characters, and emulators fewer (no
 * characters beyond U+FFFF, so no emoji): those are written as JSON \u escapes, which parse back to
 * the very same text. Every other character stays as it is (the body does not grow for most text).
 */
export function toSqsBody(event: QueuedEvent): string {
  return JSON.stringify(event).replace(/[\u{10000}-\u{10FFFF}\uFFFE\uFFFF]/gu, (ch) =>
    Array.from({ length: ch.length }, (_, i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join(
      '',
    ),
  );
}

/** Up to ten entries per batch, and never more than SQS's byte limit for a batch. */
function batches(bodies: string[]): string[][] {
  const result: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = Buffer.byteLength(body);
    if (size > SQS_MAX_BYTES)
      throw new Error(`event of ${size} bytes exceeds SQS's ${SQS_MAX_BYTES} byte limit`);
    if (current.length === BATCH || (current.length > 0 && bytes + size > SQS_MAX_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly client = new SQSClient({ useQueueUrlAsEndpoint: false }),
  ) {}

  /** Sends in batches, re-sending only the entries SQS reports as failed; throws if any remain. */
  async enqueue(events: QueuedEvent[]): Promise<void> {
    for (const batch of batches(events.map(toSqsBody))) {
      let pending = batch.map((MessageBody, i) => ({ Id: String(i), MessageBody }));
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
