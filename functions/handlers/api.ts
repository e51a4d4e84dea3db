import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { DynamoComplaintRepository } from '#adapters/dynamo/complaint-repository.ts';
import { StepFunctionsSlaTimers } from '#adapters/sfn-sla-timers.ts';
import { dispatchApi } from '#api/dispatch.ts';
import type { ApiDeps } from '#api/routes.ts';
import { SlaPolicy } from '#core/sla/policy.ts';
import { jsonEnv, readEnv } from '#shared/env.ts';
import { httpErrors } from '#shared/http.ts';
import { logger, sharedClock } from '#shared/runtime.ts';

const env = readEnv({
  TABLE_NAME: z.string().min(1),
  STATE_MACHINE_ARN: z.string().min(1),
  SLA_POLICY: jsonEnv(SlaPolicy),
});
const deps: ApiDeps = {
  store: new DynamoComplaintRepository(env.TABLE_NAME, { calendar: env.SLA_POLICY.calendar }),
  timers: new StepFunctionsSlaTimers(env.STATE_MACHINE_ARN),
  clock: sharedClock(),
  onWarning: (message, error) => logger.warn(message, { error: error as Error }),
  policy: env.SLA_POLICY,
};

/** The route table's dispatcher (functions/api/dispatch.ts) on the DynamoDB and Step Functions adapters. */
const api = (event: APIGatewayProxyEventV2WithJWTAuthorizer) => dispatchApi(event, deps);

export const handler = middy(api).use(injectLambdaContext(logger)).use(httpErrors());
