import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import * as z from 'zod';
import { DynamoListeningCheckpoints } from '#adapters/dynamo/listening-checkpoints.ts';
import { listeningCredentials } from '#adapters/listening-credentials.ts';
import { SqsEventQueue } from '#adapters/sqs-event-queue.ts';
import { HttpXSearchApi } from '#adapters/x-search-api.ts';
import { XSearchSpec } from '#core/listening/x-search.ts';
import { type PollOutcome, pollXSearch } from '#core/use-cases/listen.ts';
import { jsonEnv, readEnv } from '#shared/env.ts';
import { reportPolls } from '#shared/listening.ts';
import { METRICS_NAMESPACE } from '#shared/metrics.ts';
import { logger, sharedClock } from '#shared/runtime.ts';

const env = readEnv({
  TABLE_NAME: z.string().min(1),
  QUEUE_URL: z.string().min(1),
  X_SEARCH: jsonEnv(XSearchSpec),
  X_API_URL: z.url(),
  CREDENTIALS_SECRET_ID: z.string().min(1),
});
const credentials = listeningCredentials(env.CREDENTIALS_SECRET_ID);
const deps = {
  checkpoints: new DynamoListeningCheckpoints(env.TABLE_NAME, new DynamoDBClient({})),
  queue: new SqsEventQueue(env.QUEUE_URL),
  api: new HttpXSearchApi(env.X_API_URL, async () => (await credentials()).xBearerToken),
  clock: sharedClock(),
};
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'heed' });

/** Scheduled (EventBridge Scheduler): one poll of X recent search for the brand's keywords. */
async function listenOnX(): Promise<{ outcomes: PollOutcome[] }> {
  const outcomes = [await pollXSearch(env.X_SEARCH, deps)];
  reportPolls(outcomes, metrics);
  return { outcomes };
}

export const handler = middy(listenOnX).use(injectLambdaContext(logger));
