import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { expect, it } from 'vitest';
import { openApiDocument } from '#api/openapi.ts';
import { API_ROUTES, methodAndPath, type RouteKey } from '#api/routes.ts';

it('describes every route of the table in valid OpenAPI 3.1, with its scope, parameters and errors', async () => {
  const document = openApiDocument();
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document) as never);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  // The validator does refuse what is not OpenAPI 3.1 (an info-less document).
  expect((await new Validator().validate({ openapi: '3.1.0', paths: {} } as never)).valid).toBe(false);
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as object).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const),
  );
  expect(operations.map(([key]) => key).sort()).toEqual(Object.keys(API_ROUTES).sort());
  for (const [key, op] of operations) {
    const route = API_ROUTES[key as RouteKey];
    expect(op.security).toEqual([{ jwt: [`heed/${route.scope}`] }]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
    if (methodAndPath(key as RouteKey).path.includes('{id}'))
      expect(
        op.parameters?.some((p: { name?: string; in?: string }) => p.name === 'id' && p.in === 'path'),
      ).toBe(true);
  }
  // Each 200 is described by the route's response schema (components, by name where it has one).
  const ok = (key: string) => operations.find(([k]) => k === key)![1].responses['200'].content;
  expect(ok('GET /complaints/{id}')['application/json'].schema).toEqual({
    $ref: '#/components/schemas/ComplaintWithTimeline',
  });
  expect(ok('POST /complaints/{id}/ack')['application/json'].schema).toEqual({
    $ref: '#/components/schemas/Complaint',
  });
  expect(ok('GET /stats')['application/json'].schema).toEqual({ $ref: '#/components/schemas/Stats' });
  expect(ok('GET /complaints/export.csv')['text/csv'].schema).toMatchObject({ type: 'string' });
  const complaint = document.components?.schemas?.['Complaint'] as {
    required: string[];
    additionalProperties: boolean;
  };
  expect(complaint.required).toEqual(expect.arrayContaining(['id', 'status', 'ackDueAt', 'severity']));
  expect(complaint.additionalProperties).toBe(false);
  const list = operations.find(([key]) => key === 'GET /complaints')![1];
  expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
    expect.arrayContaining(['status', 'platform', 'author', 'limit', 'cursor']),
  );
  const stats = operations.find(([key]) => key === 'GET /stats')![1];
  expect(stats.parameters.map((p: { name: string }) => p.name)).toEqual([
    'since',
    'until',
    'platform',
    'severity',
  ]);
});

it('shows a copy-paste curl example for every route in the README', () => {
  const readme = readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');
  const curls = readme.split('\n').filter((line) => line.startsWith('curl '));
  for (const key of Object.keys(API_ROUTES) as RouteKey[]) {
    const { method, path: routePath } = methodAndPath(key);
    const url = `"$H${routePath.replace('{id}', '$C')}`;
    const found = curls.some(
      (line) =>
        (line.includes(`${url}"`) || line.includes(`${url}?`)) &&
        (method === 'GET' ? !line.includes(' -X ') : line.includes(`-X ${method} `)),
    );
    expect([key, found]).toEqual([key, true]);
  }
});
