import { API_ROUTES, type RouteKey } from '#api/routes.ts';
import type { LocalRoute, LocalToken } from './http-server.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { type CfnTemplate, resourcesOfType, type TemplateResolver } from './template.ts';

/** The HTTP API's routes, read from the template: route key, authorizer and scopes, integration target. */
export function httpRoutes(
  template: CfnTemplate,
  resolver: TemplateResolver,
  functions: Map<string, LocalFunction>,
): LocalRoute[] {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([id, resource]) => {
    const p = resource.Properties ?? {};
    // `$default` serves whatever no other route matches (http-server.ts).
    const [method, routePath = ''] = String(p['RouteKey']).split(' ', 2) as [string, string?];
    const integrationId = resolver.string(p['Target']).replace(/^integrations\//, '');
    const uri = resolver.string(template.Resources[integrationId]?.Properties?.['IntegrationUri']);
    const fn = [...functions.values()].find((f) => f.arn === uri);
    if (!fn) throw new Error(`local twin: route ${id} targets ${uri}, which the twin cannot run`);
    const scopes = (p['AuthorizationScopes'] as string[] | undefined) ?? [];
    return { method, path: routePath, auth: p['AuthorizationType'] === 'JWT' ? { scopes } : null, fn };
  });
}

/**
 * The twin's stand-ins for JWTs: the API token is granted every scope the routes require, the read
 * token only those of the read routes (as a viewer's token would be).
 */
export function localTokens(routes: LocalRoute[], apiToken: string, readToken: string): LocalToken[] {
  const scopesOf = (wanted: (key: string) => boolean) => [
    ...new Set(routes.filter((r) => wanted(`${r.method} ${r.path}`)).flatMap((r) => r.auth?.scopes ?? [])),
  ];
  return [
    { token: apiToken, subject: 'local-api-token', scopes: scopesOf(() => true) },
    {
      token: readToken,
      subject: 'local-read-token',
      scopes: scopesOf((key) => API_ROUTES[key as RouteKey]?.scope === 'read'),
    },
  ];
}
