import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import type { Complaint } from '#core/model/complaint.ts';
import { BadRequest, NotFound } from '#core/model/errors.ts';
import { type HttpResult, json, rawBody } from '#shared/http.ts';
import { complaintsCsv } from './csv.ts';
import { API_ROUTES, type ApiDeps, complaintIdParameter, isRouteKey } from './routes.ts';

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
  // Cognito access tokens carry `username` (no email); other issuers usually `email`.
  return String(claims['email'] ?? claims['username'] ?? claims['sub'] ?? 'unknown');
}

/** Parse → the route's use-case → JSON. The route table (functions/api/routes.ts) is the only list. */
export async function dispatchApi(event: Event, deps: ApiDeps): Promise<HttpResult> {
  const key = event.routeKey;
  // `$default` (any other path, behind the authorizer) is not a route: 404 for whoever may call the API.
  if (!isRouteKey(key))
    throw new NotFound(`no route ${event.requestContext.http?.method ?? ''} ${event.rawPath ?? key}`.trim());
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
  if (route.produces === 'text/csv')
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="complaints.csv"',
      },
      body: complaintsCsv(result as Complaint[]),
    };
  const answer = json(200, result);
  if (event.requestContext.http?.method !== 'GET') return answer;
  // A page that polls (the console) gets 304 and no body while nothing changed.
  const etag = `"${createHash('sha256')
    .update(answer.body ?? '')
    .digest('base64url')
    .slice(0, 32)}"`;
  const unchanged = (event.headers?.['if-none-match'] ?? '')
    .split(',')
    .some((tag) => tag.trim().replace(/^W\//, '') === etag);
  if (unchanged) return { statusCode: 304, headers: { etag, 'cache-control': 'no-cache' }, body: '' };
  return { ...answer, headers: { ...answer.headers, etag, 'cache-control': 'no-cache' } };
}
