import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { startHttpServer } from '../../lib/local/http-server.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

it('answers /health 503 until every route is served, then 200', async () => {
  let ready = false;
  server = await startHttpServer([], { port: 0, apiToken: 't', isReady: () => ready });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  const starting = await fetch(url);
  expect([starting.status, await starting.json()]).toEqual([503, { status: 'starting' }]);
  ready = true;
  const up = await fetch(url);
  expect([up.status, await up.json()]).toEqual([200, { status: 'ok' }]);
});
