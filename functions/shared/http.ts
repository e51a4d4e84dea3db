import { STATUS_CODES } from 'node:http';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError } from '#core/model/errors.ts';
import { logger } from './runtime.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * RFC 9457 problem details, the one error shape every route answers with: `type` (a URN per kind of
 * problem), `title`, `status`, `detail`, `instance` (the request's path, with its id for support),
 * plus the extension members `code` (stable, for programs) and `errors` (which fields were wrong).
 */
export function problem(
  statusCode: number,
  code: string,
  detail: string,
  extra?: unknown,
  instance?: string,
): HttpResult {
  return json(
    statusCode,
    {
      type: `urn:heed:problem:${code}`,
      title: STATUS_CODES[statusCode] ?? 'Error',
      status: statusCode,
      detail,
      ...(instance ? { instance } : {}),
      code,
      ...(extra === undefined ? {} : { errors: extra }),
    },
    { 'content-type': 'application/problem+json' },
  );
}

/** The exact bytes the platform signed: API Gateway base64-encodes bodies it considers binary. */
export function rawBody(event: APIGatewayProxyEventV2): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

export function lowerCaseHeaders(event: APIGatewayProxyEventV2): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * Maps typed domain errors to their status; anything else is our fault: logged with context, then 500
 * (for webhooks, a 5xx makes the platform retry, which is what we want when we could not enqueue).
 */
/** The path asked for, with a secret carried in it (Trustpilot's URL token) masked: safe to log. */
function loggablePath(event: APIGatewayProxyEventV2): string | undefined {
  const token = event.pathParameters?.['token'];
  return token ? event.rawPath?.split(token).join('[redacted]') : event.rawPath;
}

/** The problem's `instance`: the path asked for, and API Gateway's request id to find it in the logs. */
function instanceOf(event: APIGatewayProxyEventV2): string | undefined {
  const path = loggablePath(event);
  const requestId = event.requestContext?.requestId;
  if (!path) return undefined;
  return requestId ? `${path}#request-${requestId}` : path;
}

export function httpErrors(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof DomainError) {
        if (error.status >= 400 && error.status < 500)
          logger.info('client error', {
            code: error.code,
            reason: error.message,
            path: loggablePath(request.event),
          });
        request.response = problem(
          error.status,
          error.code,
          error.message,
          error.details,
          instanceOf(request.event),
        );
        return;
      }
      logger.error('unhandled error', { error: error as Error, path: loggablePath(request.event) });
      request.response = problem(
        500,
        'internal_error',
        'Heed could not process the request; it is safe to retry',
        undefined,
        instanceOf(request.event),
      );
    },
  };
}
