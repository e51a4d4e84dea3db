import * as z from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { API_ROUTES, DEFAULT_SCOPE_PREFIX, methodAndPath, type RouteKey } from './routes.ts';

/** RFC 9457 problem details, as every error of the API is answered. */
const Problem = z
  .object({
    type: z.string().meta({ example: 'urn:heed:problem:not_found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.string(),
    errors: z.unknown().optional().meta({ description: 'Which fields were wrong, and why' }),
  })
  .meta({ id: 'Problem' });

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});
/** API Gateway's own answers (its authorizer and throttling): `{"message": …}`. */
const gatewayAnswer = (description: string) => ({
  description,
  content: { 'application/json': { schema: z.object({ message: z.string() }) } },
});

/**
 * The OpenAPI 3.1 description of the complaints API, generated from the route table and its zod
 * schemas (GET /openapi.json): nothing to keep in step by hand.
 */
export function openApiDocument(version = '0.1.0') {
  const paths: ZodOpenApiPathsObject = {};
  for (const [key, route] of Object.entries(API_ROUTES)) {
    const { method, path } = methodAndPath(key as RouteKey);
    const operation: ZodOpenApiOperationObject = {
      operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
      summary: route.summary,
      security: [{ jwt: [`${DEFAULT_SCOPE_PREFIX}${route.scope}`] }],
      requestParams: {
        ...(path.includes('{id}')
          ? { path: z.object({ id: z.string().meta({ description: 'A complaint id, c_…' }) }) }
          : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
      },
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } }
        : {}),
      responses: {
        '200': {
          description: 'OK',
          content: { [route.produces ?? 'application/json']: { schema: route.response } },
        },
        ...(route.query || route.body
          ? { '400': problem('A parameter or the body is invalid: errors names it') }
          : {}),
        '401': gatewayAnswer('No token, or not a valid one'),
        '403': gatewayAnswer(`The token lacks the scope ${DEFAULT_SCOPE_PREFIX}${route.scope}`),
        ...(path.includes('{id}') ? { '404': problem('No such complaint') } : {}),
        ...(route.scope === 'act'
          ? { '409': problem('The complaint changed meanwhile, or is in a state that refuses this') }
          : {}),
        '429': gatewayAnswer('Throttled at the stage'),
      },
    };
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Heed complaints API',
      version,
      description:
        'Work the queue of social-media complaints and read the response numbers. Every route needs a JWT with its scope (heed/read or heed/act); webhooks are described in the README.',
    },
    components: {
      securitySchemes: {
        jwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token from the stage’s issuer (Cognito by default)',
        },
      },
    },
    paths,
  });
}
