import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { ZodError } from 'zod';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import { DynamoRawArchive } from '#adapters/dynamo/raw-archive.ts';
import {
  GOOGLE_BUSINESS_API_URL,
  GOOGLE_TOKEN_URL,
  GoogleBusinessReviews,
} from '#adapters/google-business-reviews.ts';
import { listeningCredentials } from '#adapters/listening-credentials.ts';
import { StepFunctionsSlaTimers } from '#adapters/sfn-sla-timers.ts';
import { SnsOperationsPager } from '#adapters/sns-operations-pager.ts';
import { SqsDeadLetters } from '#adapters/sqs-dead-letters.ts';
import { loadTriageModel } from '#adapters/triage-model.ts';
import { PoisonEvent } from '#core/model/errors.ts';
import { QueuedEvent } from '#core/model/interaction.ts';
import type { SentenceEncoder } from '#core/ports.ts';
import { SlaPolicy } from '#core/sla/policy.ts';
import type { TriageClassifier } from '#core/triage/classifier.ts';
import { processEvent } from '#core/use-cases/process-event.ts';
import { jsonEnv, readEnv } from '#shared/env.ts';
import {
  ENCODER_UNAVAILABLE_METRIC,
  INTAKE_REVOKED_METRIC,
  METRICS_NAMESPACE,
  POISON_EVENTS_METRIC,
} from '#shared/metrics.ts';
import { logger, sharedClock } from '#shared/runtime.ts';

const env = readEnv({
  TABLE_NAME: z.string().min(1),
  STATE_MACHINE_ARN: z.string().min(1),
  SLA_POLICY: jsonEnv(SlaPolicy),
  THREAD_WINDOW_MINUTES: z.coerce.number().positive().default(1440),
  VIP_AUTHORS: jsonEnv(z.array(z.string())).default([]),
  RAW_RETENTION_DAYS: z.coerce.number().int().min(1).max(365),
  DLQ_URL: z.string().min(1),
  OPS_TOPIC_ARN: z.string().min(1),
  COMPLAINT_THRESHOLD: z.coerce.number().gt(0).lt(1).optional(),
  /** Listening credentials (Google OAuth): set when the stage listens to Google reviews. */
  CREDENTIALS_SECRET_ID: z.string().min(1).optional(),
  GOOGLE_TOKEN_URL: z.url().default(GOOGLE_TOKEN_URL),
  GOOGLE_BUSINESS_API_URL: z.url().default(GOOGLE_BUSINESS_API_URL),
});
const dynamo = new DynamoDBClient({});
const deps = {
  store: new DynamoComplaintRepository(env.TABLE_NAME, { client: dynamo, calendar: env.SLA_POLICY.calendar }),
  archive: new DynamoRawArchive(env.TABLE_NAME, dynamo),
  timers: new StepFunctionsSlaTimers(env.STATE_MACHINE_ARN),
  clock: sharedClock(),
  policy: env.SLA_POLICY,
  threadWindowMinutes: env.THREAD_WINDOW_MINUTES,
  vipAuthors: env.VIP_AUTHORS,
  rawRetentionDays: env.RAW_RETENTION_DAYS,
  operations: new SnsOperationsPager(env.OPS_TOPIC_ARN),
  complaintThreshold: env.COMPLAINT_THRESHOLD,
  resources: env.CREDENTIALS_SECRET_ID
    ? {
        google: new GoogleBusinessReviews(listeningCredentials(env.CREDENTIALS_SECRET_ID), {
          token: env.GOOGLE_TOKEN_URL,
          api: env.GOOGLE_BUSINESS_API_URL,
        }),
      }
    : {},
};
/**
 * The sentence encoder, loaded once per container on the first batch. If it cannot load, triage runs
 * on its n-gram cues alone (logged and counted) rather than refusing every message. Its module (tfjs)
 * is imported then too, not at init: the bundle keeps it, but its code runs only when needed.
 */
let encoder: Promise<SentenceEncoder | undefined> | undefined;
/** The triage model: read from its file once per container, at the first batch (not at init). */
let triage: TriageClassifier | undefined;
const loadEncoder = () =>
  (encoder ??= import('#adapters/sentence-encoder/encoder.ts')
    .then(({ sentenceEncoder }) => sentenceEncoder())
    .catch((error: unknown) => {
      logger.error('the sentence encoder did not load: triage uses its n-gram cues alone', {
        error: error as Error,
      });
      metrics.addMetric(ENCODER_UNAVAILABLE_METRIC, MetricUnit.Count, 1);
      encoder = undefined;
      return undefined;
    }));
const deadLetters = new SqsDeadLetters(env.DLQ_URL);
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'heed' });

/** A record that can never be processed: its reason, or null when a retry may succeed. */
function poisonReason(error: unknown): string | null {
  if (error instanceof PoisonEvent) return error.reason;
  // Not the parser's message: it quotes the body, which is customer text.
  if (error instanceof SyntaxError) return 'message body is not JSON';
  if (error instanceof ZodError) return `message is not a queued event: ${error.issues[0]?.message ?? ''}`;
  return null;
}

/**
 * Each record is processed on its own; a failing one is reported in batchItemFailures so only it is
 * retried (and, after maxReceiveCount, lands in the DLQ) while the rest of the batch completes. A
 * record that can never succeed goes to the DLQ at once, with its reason as a message attribute.
 */
async function processBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    try {
      const queued = QueuedEvent.parse(JSON.parse(record.body));
      triage ??= loadTriageModel();
      const outcomes = await processEvent(queued, { ...deps, triage, encoder: await loadEncoder() });
      logger.info('processed', { messageId: record.messageId, deliveryId: queued.deliveryId, outcomes });
      for (const { result } of outcomes)
        if (result === 'revoked') metrics.addMetric(INTAKE_REVOKED_METRIC, MetricUnit.Count, 1);
    } catch (error) {
      const reason = poisonReason(error);
      if (reason !== null) {
        try {
          await deadLetters.send(record.body, reason, deps.clock.now());
          metrics.addMetric(POISON_EVENTS_METRIC, MetricUnit.Count, 1);
          logger.error('record cannot be processed: sent to the DLQ', {
            messageId: record.messageId,
            reason,
          });
          continue;
        } catch (sendError) {
          logger.error('could not dead-letter a poison record; it will be retried', {
            messageId: record.messageId,
            error: sendError as Error,
          });
        }
      } else
        logger.error('record failed; it will be retried, then dead-lettered', {
          messageId: record.messageId,
          error: error as Error,
        });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  // Most batches have nothing to count: publishing only when there is something avoids an empty-metrics warning per batch.
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  return { batchItemFailures };
}

export const handler = middy(processBatch).use(injectLambdaContext(logger));
