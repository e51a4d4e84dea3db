import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { DynamoComplaintStore } from '#adapters/dynamo-complaint-store.ts';
import { StepFunctionsSlaTimers } from '#adapters/sfn-sla-timers.ts';
import { Kind, Severity, Status } from '#core/model/complaint.ts';
import { BadRequest, NotFound } from '#core/model/errors.ts';
import { Platform } from '#core/model/interaction.ts';
import { SlaPolicy } from '#core/sla/policy.ts';
import { isComplaintId } from '#core/use-cases/complaint-id.ts';
import {
  acknowledge,
  correct,
  getComplaint,
  listComplaints,
  resolve,
  stats,
} from '#core/use-cases/manage-complaints.ts';
import { jsonEnv, readEnv } from '#shared/env.ts';
import { type HttpResult, httpErrors, json, rawBody } from '#shared/http.ts';
import { logger, sharedClock } from '#shared/runtime.ts';

const env = readEnv({
  TABLE_NAME: z.string().min(1),
  STATE_MACHINE_ARN: z.string().min(1),
  SLA_POLICY: jsonEnv(SlaPolicy),
});
const deps = {
  store: new DynamoComplaintStore(env.TABLE_NAME),
  timers: new StepFunctionsSlaTimers(env.STATE_MACHINE_ARN),
  clock: sharedClock(),
  onWarning: (message: string, error: unknown) => logger.warn(message, { error: error as Error }),
  policy: env.SLA_POLICY,
};

const ListQuery = z.object({
  status: Status.optional(),
  platform: Platform.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional(),
  corrected: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
const ActionBody = z.object({ note: z.string().max(2000).optional() }).strict();
const CorrectionBody = z
  .object({
    kind: Kind.optional(),
    severity: Severity.optional(),
    reproach: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
    note: z.string().max(2000).optional(),
  })
  .strict()
  .refine((c) => c.kind || c.severity || c.reproach, 'give at least one of kind, severity, reproach');

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
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

function actionBody(event: Event) {
  return parse(ActionBody, jsonBody(event), 'body');
}

/** Who is calling: the JWT subject in AWS; the local twin's authorizer sets the same claim. */
function caller(event: Event): string {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  return String(claims['email'] ?? claims['sub'] ?? 'unknown');
}

function complaintId(event: Event): string {
  const id = event.pathParameters?.['id'] ?? '';
  if (!isComplaintId(id)) throw new NotFound(`complaint ${id} not found`);
  return id;
}

async function route(event: Event): Promise<HttpResult> {
  switch (event.routeKey) {
    case 'GET /complaints':
      return json(
        200,
        await listComplaints(parse(ListQuery, event.queryStringParameters ?? {}, 'query'), deps),
      );
    case 'GET /complaints/{id}':
      return json(200, await getComplaint(complaintId(event), deps));
    case 'POST /complaints/{id}/ack':
      return json(200, await acknowledge(complaintId(event), caller(event), actionBody(event).note, deps));
    case 'POST /complaints/{id}/resolve':
      return json(200, await resolve(complaintId(event), caller(event), actionBody(event).note, deps));
    case 'PATCH /complaints/{id}':
      return json(
        200,
        await correct(
          complaintId(event),
          caller(event),
          parse(CorrectionBody, jsonBody(event), 'correction'),
          deps,
        ),
      );
    case 'GET /stats':
      return json(200, await stats(deps));
    default:
      throw new NotFound(`no route ${event.routeKey}`);
  }
}

export const handler = middy(route).use(injectLambdaContext(logger)).use(httpErrors());
