import type { AwsCall } from './aws-gateway.ts';
import { type JournaledMessage, type QueueJournal, queueName } from './queue-journal.ts';

type Params = Record<string, unknown>;
const JOURNALED = new Set([
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
]);

const message = (p: Params): JournaledMessage => ({
  MessageBody: String(p['MessageBody']),
  ...(p['MessageAttributes'] ? { MessageAttributes: p['MessageAttributes'] as Record<string, unknown> } : {}),
});

/**
 * Feeds the queue journal from the SQS calls the gateway sees (JSON protocol): sends are on disk
 * before they are answered; receives map receipts to messages; deletes forget them.
 */
export function queueJournalObserver(journal: QueueJournal, journaledQueues: () => ReadonlySet<string>) {
  return {
    observes: (call: AwsCall) =>
      call.service === 'sqs' &&
      call.protocol === 'json' &&
      JOURNALED.has(call.operation) &&
      journaledQueues().has(queueName(String(call.params['QueueUrl'] ?? ''))),

    async observe(call: AwsCall, status: number, body: Buffer): Promise<void> {
      if (status !== 200) return;
      const p = call.params;
      const queue = queueName(String(p['QueueUrl']));
      const answer = JSON.parse(body.toString('utf8') || '{}') as Params;
      switch (call.operation) {
        case 'SendMessage':
          return journal.sent(String(answer['MessageId']), queue, message(p));
        case 'SendMessageBatch': {
          const entries = new Map(((p['Entries'] as Params[]) ?? []).map((e) => [String(e['Id']), e]));
          const sent = ((answer['Successful'] as Params[]) ?? []).map((ok) =>
            journal.sent(String(ok['MessageId']), queue, message(entries.get(String(ok['Id']))!)),
          );
          await Promise.all(sent);
          return;
        }
        case 'ReceiveMessage':
          for (const m of (answer['Messages'] as Params[]) ?? [])
            journal.received(String(m['MessageId']), String(m['ReceiptHandle']));
          return;
        case 'DeleteMessage':
          return journal.deleted(String(p['ReceiptHandle']));
        case 'DeleteMessageBatch': {
          const entries = new Map(((p['Entries'] as Params[]) ?? []).map((e) => [String(e['Id']), e]));
          for (const ok of (answer['Successful'] as Params[]) ?? [])
            journal.deleted(String(entries.get(String(ok['Id']))?.['ReceiptHandle']));
          return;
        }
      }
    },
  };
}
