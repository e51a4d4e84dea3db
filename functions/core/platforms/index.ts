import { NotFound } from '../model/errors.ts';
import type { Platform } from '../model/interaction.ts';
import type { PlatformAdapter } from './adapter.ts';
import { genericAdapter } from './generic.ts';
import { metaAdapter } from './meta.ts';
import { xAdapter } from './x.ts';

const BY_ROUTE: Record<string, PlatformAdapter> = { x: xAdapter, meta: metaAdapter, generic: genericAdapter };

export function adapterForRoute(route: string): PlatformAdapter {
  const adapter = Object.hasOwn(BY_ROUTE, route) ? BY_ROUTE[route] : undefined;
  if (!adapter) throw new NotFound(`unknown platform '${route}'`);
  return adapter;
}

export function adapterForPlatform(platform: Platform): PlatformAdapter {
  const adapter = Object.values(BY_ROUTE).find((a) => a.platforms.includes(platform));
  if (!adapter) throw new NotFound(`no adapter for platform '${platform}'`);
  return adapter;
}
