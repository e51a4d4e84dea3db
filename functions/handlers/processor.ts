import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import { DynamoRawArchive } from '#adapters/dynamo/raw-archive.ts';
import { StepFunctionsSlaTimers } from '#adapters/sfn-sla-timers.ts';
import { QueuedEvent } from '#core/model/interaction.ts';
import { SlaPolicy } from '#core/sla/policy.ts';
import { processEvent } from '#core/use-cases/process-event.ts';
import { jsonEnv, readEnv } from '#shared/env.ts';
import { logger, sharedClock } from '#shared/runtime.ts';

const env = readEnv({
  TABLE_NAME: z.string().min(1),
  STATE_MACHINE_ARN: z.string().min(1),
  SLA_POLICY: jsonEnv(SlaPolicy),
  THREAD_WINDOW_MINUTES: z.coerce.number().positive().default(1440),
  VIP_AUTHORS: jsonEnv(z.array(z.string())).default([]),
  RAW_RETENTION_DAYS: z.coerce.number().int().min(1).max(365),
});
const dynamo = new DynamoDBClient({});
const deps = {
  store: new DynamoComplaintRepository(env.TABLE_NAME, dynamo),
  archive: new DynamoRawArchive(env.TABLE_NAME, dynamo),
  timers: new StepFunctionsSlaTimers(env.STATE_MACHINE_ARN),
  clock: sharedClock(),
  policy: env.SLA_POLICY,
  threadWindowMinutes: env.THREAD_WINDOW_MINUTES,
  vipAuthors: env.VIP_AUTHORS,
  rawRetentionDays: env.RAW_RETENTION_DAYS,
};

/**
 * Each record is processed on its own; a failing one is reported in batchItemFailures so only it is
 * retried (and, after maxReceiveCount, lands in the DLQ) while the rest of the batch completes.
 */
async function processBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    try {
      const queued = QueuedEvent.parse(JSON.parse(record.body));
      const outcomes = await processEvent(queued, deps);
      logger.info('processed', { messageId: record.messageId, deliveryId: queued.deliveryId, outcomes });
    } catch (error) {
      logger.error('record failed; it will be retried, then dead-lettered', {
        messageId: record.messageId,
        error: error as Error,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

export const handler = middy(processBatch).use(injectLambdaContext(logger));
