import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { consoleContentSecurityPolicy } from '../constructs/console-site.ts';
import type { StaticFile } from './console-files.ts';
import type { LocalFunction } from './lambda-runtime.ts';

export interface LocalRoute {
  method: string;
  path: string;
  /**
   * A JWT authorizer in AWS (null: a public route), requiring one of `scopes` when any are listed.
   * The twin checks the bearer token against its local tokens and the scopes each grants instead.
   */
  auth: { scopes: string[] } | null;
  fn: LocalFunction;
}

/** API Gateway's own payload limit; the ingest Lambda enforces Heed's smaller one itself. */
const API_GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

function match(routes: LocalRoute[], method: string, path: string) {
  // API Gateway picks the most specific route: a literal segment wins over a {parameter}.
  const ordered = [...routes].sort(
    (a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0),
  );
  for (const route of ordered) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const pattern = new RegExp(
      `^${route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    const found = pattern.exec(path);
    if (found)
      return {
        route,
        pathParameters: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1]!)])),
      };
  }
  return undefined;
}

/** A bearer token the twin accepts in place of a JWT, and the scopes it grants. */
export interface LocalToken {
  token: string;
  subject: string;
  scopes: string[];
}

function bearer(header: string | undefined, tokens: LocalToken[]): LocalToken | undefined {
  const presented = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  return tokens.find(({ token }) => {
    const expected = Buffer.from(token);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > API_GATEWAY_MAX_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const TEXTUAL = /^(text\/|application\/(json|x-www-form-urlencoded|xml|.*\+json))/i;

/** Serves the template's HTTP API routes by calling the same handlers with API Gateway v2 events. */
export function startHttpServer(
  routes: LocalRoute[],
  options: {
    port: number;
    tokens: LocalToken[];
    isReady: () => boolean;
    /** The console's files by path (served as CloudFront serves them in AWS), when built. */
    staticFiles?: () => ReadonlyMap<string, StaticFile>;
  },
): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      // Ready means ready: the server listens early (the API URL is part of the template's
      // environment), but answers 200 only once every route is served.
      if (method === 'GET' && url.pathname === '/health')
        return options.isReady()
          ? sendJson(res, 200, { status: 'ok' })
          : sendJson(res, 503, { status: 'starting' });
      const file =
        method === 'GET' || method === 'HEAD' ? options.staticFiles?.().get(url.pathname) : undefined;
      if (file) {
        res.writeHead(200, {
          'content-type': file.contentType,
          'cache-control': file.cacheControl,
          'x-content-type-options': 'nosniff',
          // The same policy CloudFront sends in AWS: the browser tests run the page under it.
          'content-security-policy': consoleContentSecurityPolicy(),
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
        });
        return res.end(method === 'HEAD' ? undefined : file.body);
      }
      const found =
        match(routes, method, url.pathname) ??
        (() => {
          const fallback = routes.find((r) => r.method === '$default');
          return fallback ? { route: fallback, pathParameters: {} } : undefined;
        })();
      if (!found)
        // API Gateway's own answers (HTTP APIs cannot customise them): {"message": "…"}.
        return sendJson(res, 404, { message: 'Not Found' });
      // API Gateway's JWT authorizer: no valid token 401; a token without one of the route's scopes 403.
      const { auth } = found.route;
      const caller = auth ? bearer(req.headers.authorization, options.tokens) : undefined;
      if (auth && !caller) return sendJson(res, 401, { message: 'Unauthorized' });
      if (auth && caller && auth.scopes.length && !auth.scopes.some((s) => caller.scopes.includes(s)))
        return sendJson(res, 403, { message: 'Forbidden' });
      const body = await readBody(req);
      if (!body) return sendJson(res, 413, { message: 'Request Entity Too Large' });
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      const textual = TEXTUAL.test(headers['content-type'] ?? 'application/json');
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
      const routeKey = found.route.method === '$default' ? '$default' : `${method} ${found.route.path}`;
      const event: APIGatewayProxyEventV2 = {
        version: '2.0',
        routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        queryStringParameters: Object.keys(query).length ? query : undefined,
        pathParameters: Object.keys(found.pathParameters).length ? found.pathParameters : undefined,
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers['host'] ?? 'localhost',
          domainPrefix: 'local',
          http: {
            method,
            path: url.pathname,
            protocol: 'HTTP/1.1',
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId: randomUUID(),
          routeKey,
          stage: '$default',
          time: new Date().toUTCString(),
          timeEpoch: Date.now(),
          ...(caller
            ? {
                authorizer: {
                  jwt: {
                    claims: { sub: caller.subject, scope: caller.scopes.join(' ') },
                    scopes: caller.scopes,
                  },
                },
              }
            : {}),
        } as APIGatewayProxyEventV2['requestContext'],
        body: body.length ? body.toString(textual ? 'utf8' : 'base64') : undefined,
        isBase64Encoded: body.length > 0 && !textual,
      };
      const result = (await found.route.fn.invoke(event)) as APIGatewayProxyStructuredResultV2;
      res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
      res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
    } catch (error) {
      // API Gateway answers 500 when the integration itself fails.
      console.error('local twin: integration failed', error);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve(server));
  });
}
