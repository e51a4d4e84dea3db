import type { LocalRoute } from './http-server.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { type CfnTemplate, resourcesOfType, type TemplateResolver } from './template.ts';

/** The HTTP API's routes, read from the template: route key, authorizer and integration target. */
export function httpRoutes(
  template: CfnTemplate,
  resolver: TemplateResolver,
  functions: Map<string, LocalFunction>,
): LocalRoute[] {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([id, resource]) => {
    const p = resource.Properties ?? {};
    const [method, routePath] = String(p['RouteKey']).split(' ', 2) as [string, string];
    const integrationId = resolver.string(p['Target']).replace(/^integrations\//, '');
    const uri = resolver.string(template.Resources[integrationId]?.Properties?.['IntegrationUri']);
    const fn = [...functions.values()].find((f) => f.arn === uri);
    if (!fn) throw new Error(`local twin: route ${id} targets ${uri}, which the twin cannot run`);
    return { method, path: routePath, authorized: p['AuthorizationType'] === 'JWT', fn };
  });
}
