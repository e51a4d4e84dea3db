import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import { StepFunctionsSlaTimers } from '#adapters/sfn-sla-timers.ts';
import { API_ROUTES, type ApiDeps, complaintIdParameter, isRouteKey } from '#api/routes.ts';
import { BadRequest, NotFound } from '#core/model/errors.ts';
import { SlaPolicy } from '#core/sla/policy.ts';
import { jsonEnv, readEnv } from '#shared/env.ts';
import { type HttpResult, httpErrors, json, rawBody } from '#shared/http.ts';
import { logger, sharedClock } from '#shared/runtime.ts';

const env = readEnv({
  TABLE_NAME: z.string().min(1),
  STATE_MACHINE_ARN: z.string().min(1),
  SLA_POLICY: jsonEnv(SlaPolicy),
});
const deps: ApiDeps = {
  store: new DynamoComplaintRepository(env.TABLE_NAME),
  timers: new StepFunctionsSlaTimers(env.STATE_MACHINE_ARN),
  clock: sharedClock(),
  onWarning: (message, error) => logger.warn(message, { error: error as Error }),
  policy: env.SLA_POLICY,
};

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, what: string): z.infer<S> {
  if (!schema) return undefined as z.infer<S>;
  const result = schema.safeParse(value);
  if (!result.success) throw new BadRequest(`invalid ${what}`, z.flattenError(result.error));
  return result.data;
}

function jsonBody(event: Event): unknown {
  const text = rawBody(event).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('body is not valid JSON');
  }
}

/** Who is calling: the JWT subject in AWS; the local twin's authorizer sets the same claim. */
function caller(event: Event): string {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  return String(claims['email'] ?? claims['sub'] ?? 'unknown');
}

/** Parse → the route's use-case → JSON. The route table (functions/api/routes.ts) is the only list. */
async function api(event: Event): Promise<HttpResult> {
  const key = event.routeKey;
  if (!isRouteKey(key)) throw new NotFound(`no route ${key}`);
  const route = API_ROUTES[key];
  const id = complaintIdParameter(key, event.pathParameters?.['id']);
  const result = await route.run(
    {
      id,
      query: parse(route.query, event.queryStringParameters ?? {}, 'query'),
      body: parse(route.body, route.body ? jsonBody(event) : undefined, 'body'),
      caller: caller(event),
    },
    deps,
  );
  return json(200, result);
}

export const handler = middy(api).use(injectLambdaContext(logger)).use(httpErrors());
