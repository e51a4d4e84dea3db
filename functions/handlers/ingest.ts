import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { DynamoReplayGuard } from '#adapters/dynamo/replay-guard.ts';
import { GOOGLE_CERTS_URL, googleOidcVerifier } from '#adapters/google-oidc.ts';
import { secretsManagerWebhookSecrets } from '#adapters/secrets-manager-webhook-secrets.ts';
import { SqsEventQueue } from '#adapters/sqs-event-queue.ts';
import { NotFound } from '#core/model/errors.ts';
import { sourceForPath } from '#core/sources.ts';
import { ingestDelivery } from '#core/use-cases/ingest-delivery.ts';
import { readEnv } from '#shared/env.ts';
import { type HttpResult, httpErrors, json, lowerCaseHeaders, rawBody } from '#shared/http.ts';
import { METRICS_NAMESPACE, SECRET_MISSING_METRIC, UNHANDLED_EVENTS_METRIC } from '#shared/metrics.ts';
import { logger, sharedClock } from '#shared/runtime.ts';

const env = readEnv({
  QUEUE_URL: z.string().min(1),
  WEBHOOK_SECRET_ARN: z.string().min(1),
  REPLAY_TABLE_NAME: z.string().min(1),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  META_ACCEPT_LEGACY_SHA1: z.enum(['true', 'false']).default('false'),
  GOOGLE_CERTS_URL: z.url().default(GOOGLE_CERTS_URL),
});
const oidc = googleOidcVerifier(env.GOOGLE_CERTS_URL);
const queue = new SqsEventQueue(env.QUEUE_URL);
const replayGuard = new DynamoReplayGuard(env.REPLAY_TABLE_NAME);
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'heed' });
const secrets = secretsManagerWebhookSecrets(env.WEBHOOK_SECRET_ARN, {
  onRejected: (rejected) =>
    logger.error('webhook secret refused as weak; that source fails closed', { rejected }),
});

/** Feeds the "secret not configured" alarm: one metric without the platform dimension. */
function secretMissing(source: string) {
  logger.error('webhook request for a source with no valid secret: answered 401', { source });
  const single = metrics.singleMetric();
  single.addMetric(SECRET_MISSING_METRIC, MetricUnit.Count, 1);
}

/** Unhandled event types, one count per type (bounded: verified deliveries only, a few types each). */
function countUnhandled(source: string, ignored: string[]) {
  logger.info('accepted event types Heed does not handle; kept for heed reprocess', { ignored });
  const counts = new Map<string, number>();
  for (const type of ignored) counts.set(type.slice(0, 100), (counts.get(type.slice(0, 100)) ?? 0) + 1);
  for (const [eventType, count] of [...counts].slice(0, 20)) {
    const single = metrics.singleMetric();
    single.addDimensions({ source, eventType });
    single.addMetric(UNHANDLED_EVENTS_METRIC, MetricUnit.Count, count);
  }
}

/** Webhook intake: verify, split, enqueue, answer. Nothing else, so platforms get their answer fast. */
async function ingest(event: APIGatewayProxyEventV2, context: Context): Promise<HttpResult> {
  // The route key ("POST /webhooks/x") names the registered source; API Gateway only routes those.
  const source = sourceForPath(event.routeKey.split(' ')[1] ?? '');
  if (!source) throw new NotFound(`no webhook source serves ${event.routeKey}`);
  const outcome = await ingestDelivery(
    {
      source,
      method: event.requestContext.http.method,
      headers: lowerCaseHeaders(event),
      query: event.queryStringParameters ?? {},
      pathParameters: event.pathParameters ?? {},
      rawBody: rawBody(event),
    },
    {
      queue,
      replayGuard,
      secrets,
      oidc,
      clock: sharedClock(),
      maxBodyBytes: env.MAX_BODY_BYTES,
      acceptLegacyMetaSha1: env.META_ACCEPT_LEGACY_SHA1 === 'true',
      deliveryId: context.awsRequestId,
      onRejected: (rejection) => logger.warn('signed delivery rejected as unreadable', { rejection }),
      onSecretMissing: secretMissing,
    },
  );
  if (outcome.kind === 'handshake') {
    const { status, contentType, body } = outcome.response;
    return { statusCode: status, headers: { 'content-type': contentType }, body };
  }
  metrics.addDimension('source', source);
  metrics.addMetric('EnqueuedEvents', MetricUnit.Count, outcome.enqueued);
  if (outcome.ignored.length > 0) countUnhandled(source, outcome.ignored);
  return json(200, {
    accepted: outcome.enqueued,
    ignored: outcome.ignored.length,
    ...(outcome.duplicate ? { duplicate: true } : {}),
    ...(outcome.problems ? { problems: outcome.problems } : {}),
  });
}

export const handler = middy(ingest)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrors());
