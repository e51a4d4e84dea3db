import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import * as z from 'zod';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import { DynamoStormLedger } from '#adapters/dynamo/storm-ledger.ts';
import { SnsNotifier } from '#adapters/sns-notifier.ts';
import { SlaPolicy } from '#core/sla/policy.ts';
import { advanceSla, type SlaNext } from '#core/use-cases/advance-sla.ts';
import { jsonEnv, readEnv } from '#shared/env.ts';
import { logger, sharedClock } from '#shared/runtime.ts';

const env = readEnv({
  TABLE_NAME: z.string().min(1),
  TOPIC_ARN: z.string().min(1),
  SLA_POLICY: jsonEnv(SlaPolicy),
  CONSOLE_URL: z.string().min(1),
  TEAM: z.string().default('support'),
});
const dynamo = new DynamoDBClient({});
const clock = sharedClock();
const deps = {
  store: new DynamoComplaintRepository(env.TABLE_NAME, { client: dynamo, calendar: env.SLA_POLICY.calendar }),
  storms: new DynamoStormLedger(env.TABLE_NAME, clock, dynamo),
  notifier: new SnsNotifier(env.TOPIC_ARN),
  clock,
  policy: env.SLA_POLICY,
  team: env.TEAM,
  // The complaint's page in the console: acknowledging there is one tap after sign-in, from a phone.
  ackHint: (id: string) => `${env.CONSOLE_URL.replace(/\/$/, '')}/#/complaints/${id}`,
};

const Input = z.object({ complaintId: z.string().min(1) });

/** The state machine's only task: fire what is due, say how long to wait for the next step. */
async function slaStep(input: unknown): Promise<SlaNext & { complaintId: string }> {
  const { complaintId } = Input.parse(input);
  const next = await advanceSla(complaintId, deps).catch((error: unknown) => {
    // Step Functions retries the step; what failed is worth seeing before it does.
    logger.warn('sla step failed; Step Functions retries it', { complaintId, error: error as Error });
    throw error;
  });
  logger.info('sla step', { complaintId, next });
  return { complaintId, ...next };
}

export const handler = middy(slaStep).use(injectLambdaContext(logger));
