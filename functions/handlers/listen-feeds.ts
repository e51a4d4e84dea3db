import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import * as z from 'zod';
import { DynamoListeningCheckpoints } from '#adapters/dynamo/listening-checkpoints.ts';
import { HttpFeedFetcher } from '#adapters/http-feed-fetcher.ts';
import { SqsEventQueue } from '#adapters/sqs-event-queue.ts';
import { FeedSpec } from '#core/listening/feeds.ts';
import { type PollOutcome, pollFeed } from '#core/use-cases/listen.ts';
import { jsonEnv, readEnv } from '#shared/env.ts';
import { reportPolls } from '#shared/listening.ts';
import { METRICS_NAMESPACE } from '#shared/metrics.ts';
import { logger, sharedClock } from '#shared/runtime.ts';

const env = readEnv({
  TABLE_NAME: z.string().min(1),
  QUEUE_URL: z.string().min(1),
  FEEDS: jsonEnv(z.array(FeedSpec)),
  INTERVAL_MINUTES: z.coerce.number().int().positive(),
});
const deps = {
  checkpoints: new DynamoListeningCheckpoints(env.TABLE_NAME, new DynamoDBClient({})),
  queue: new SqsEventQueue(env.QUEUE_URL),
  fetcher: new HttpFeedFetcher(),
  clock: sharedClock(),
};
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'heed' });
/** Feeds polled at once: a slow server delays only its own slot. */
const PARALLEL = 4;

/** Scheduled (EventBridge Scheduler): one poll of every configured feed. */
async function pollFeeds(): Promise<{ outcomes: PollOutcome[] }> {
  const outcomes: PollOutcome[] = [];
  const pending = [...env.FEEDS];
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let feed = pending.shift(); feed; feed = pending.shift())
        outcomes.push(await pollFeed(feed, env.INTERVAL_MINUTES * 60_000, deps));
    }),
  );
  reportPolls(outcomes, metrics);
  return { outcomes };
}

export const handler = middy(pollFeeds).use(injectLambdaContext(logger));
