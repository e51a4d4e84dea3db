import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { type LocalRoute, startHttpServer } from '../../lib/local/http-server.ts';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

it('answers /health 503 until every route is served, then 200', async () => {
  let ready = false;
  server = await startHttpServer([], { port: 0, tokens: [], isReady: () => ready });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  const starting = await fetch(url);
  expect([starting.status, await starting.json()]).toEqual([503, { status: 'starting' }]);
  ready = true;
  const up = await fetch(url);
  expect([up.status, await up.json()]).toEqual([200, { status: 'ok' }]);
});

it("refuses as API Gateway's JWT authorizer does: no or unknown token 401, a token without the route's scope 403", async () => {
  const echo = {
    invoke: async (event: { requestContext: { authorizer?: unknown } }) => ({
      statusCode: 200,
      body: JSON.stringify(event.requestContext.authorizer),
    }),
  } as unknown as LocalFunction;
  const routes: LocalRoute[] = [
    { method: 'POST', path: '/complaints/{id}/ack', auth: { scopes: ['heed/act'] }, fn: echo },
    { method: 'POST', path: '/webhooks/x', auth: null, fn: echo },
  ];
  server = await startHttpServer(routes, {
    port: 0,
    isReady: () => true,
    tokens: [
      { token: 'agent', subject: 'agent', scopes: ['heed/read', 'heed/act'] },
      { token: 'viewer', subject: 'viewer', scopes: ['heed/read'] },
    ],
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ack = (authorization?: string) =>
    fetch(`${base}/complaints/c1/ack`, {
      method: 'POST',
      headers: authorization ? { authorization } : {},
    });
  expect((await ack()).status).toBe(401);
  expect((await ack('Bearer agent2')).status).toBe(401);
  expect((await ack('Basic agent')).status).toBe(401);
  const viewer = await ack('Bearer viewer');
  expect([viewer.status, await viewer.json()]).toEqual([403, { message: 'Forbidden' }]);
  const agent = await ack('Bearer agent');
  expect([agent.status, await agent.json()]).toEqual([
    200,
    { jwt: { claims: { sub: 'agent', scope: 'heed/read heed/act' }, scopes: ['heed/read', 'heed/act'] } },
  ]);
  // A public route carries no authorizer context, whatever token comes with it.
  const hook = await fetch(`${base}/webhooks/x`, {
    method: 'POST',
    headers: { authorization: 'Bearer agent' },
  });
  expect(await hook.text()).toBe('');
});
