import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoRawArchive } from '#adapters/dynamo/raw-archive.ts';
import { SqsEventQueue } from '#adapters/sqs-event-queue.ts';
import { SOURCE_NAMES, type SourceName } from '#core/sources.ts';
import { replayUnhandled } from '#core/use-cases/replay-unhandled.ts';
import { type StageResources, stageResources } from './stage-resources.ts';

function sqsClient(stage: StageResources) {
  return new SQSClient({ ...stage.client, useQueueUrlAsEndpoint: false });
}

/** `heed reprocess [--source x|meta|generic]`: queues what today's parsers handle in the kept deliveries. */
export async function reprocess(args: string[], stage = stageResources()): Promise<void> {
  const { values } = parseArgs({ args, options: { source: { type: 'string', multiple: true } } });
  const sources = (values.source ?? SOURCE_NAMES) as SourceName[];
  for (const source of sources)
    if (!SOURCE_NAMES.includes(source))
      throw new Error(`unknown source '${source}' (${SOURCE_NAMES.join(', ')})`);
  const deps = {
    archive: new DynamoRawArchive(stage.tableName, new DynamoDBClient(stage.client)),
    queue: new SqsEventQueue(stage.queueUrl, sqsClient(stage)),
  };
  for (const source of sources) {
    const r = await replayUnhandled(deps, source);
    console.log(
      `${source}: ${r.deliveries} kept deliveries, ${r.enqueued} event(s) queued, ${r.settled} settled, ${r.stillUnhandled} still unhandled`,
    );
  }
}

/**
 * `heed redrive [--max N]`: moves the messages in the DLQ back to the queue, ten at a time: sent
 * first, then deleted, so a crash in between duplicates (processing is idempotent) and never loses.
 * (SQS's own StartMessageMoveTask does the same in AWS; this works on the twin's emulator too.)
 */
export async function redrive(args: string[], stage = stageResources()): Promise<number> {
  const { values } = parseArgs({ args, options: { max: { type: 'string' } } });
  const max = values.max === undefined ? Number.POSITIVE_INFINITY : Number(values.max);
  if (!(max > 0)) throw new Error('--max must be a positive number');
  const sqs = sqsClient(stage);
  // Only what is in the DLQ now: a poison message fails again and comes back, and must not loop.
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stage.deadLetterQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const present =
    Number(Attributes?.['ApproximateNumberOfMessages'] ?? 0) +
    Number(Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0);
  const limit = Math.min(max, present);
  let moved = 0;
  while (moved < limit) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stage.deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, limit - moved),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    const entries = Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? '' }));
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: stage.queueUrl, Entries: entries }));
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    const done = Messages.flatMap((m, i) =>
      ok.has(String(i)) ? [{ Id: String(i), ReceiptHandle: m.ReceiptHandle! }] : [],
    );
    if (done.length > 0)
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: stage.deadLetterQueueUrl, Entries: done }));
    for (const m of Messages) {
      const reason = m.MessageAttributes?.['reason']?.StringValue;
      if (reason) console.log(`  redriven (was dead-lettered: ${reason})`);
    }
    moved += done.length;
    if (done.length < Messages.length)
      throw new Error(
        `${Messages.length - done.length} message(s) could not be sent back; they stay in the DLQ`,
      );
  }
  console.log(`Moved ${moved} message(s) from the DLQ back to the queue.`);
  return moved;
}
