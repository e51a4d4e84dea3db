import type { Platform } from '../model/interaction.ts';
import { PLATFORM_SPECS, type SourceName } from '../sources.ts';
import type { PlatformAdapter } from './adapter.ts';
import { genericAdapter } from './generic.ts';
import { metaAdapter } from './meta.ts';
import { xAdapter } from './x.ts';

/** The parser of each registered source; the compiler names a source that has none. */
const ADAPTERS = { x: xAdapter, meta: metaAdapter, generic: genericAdapter } satisfies Record<
  SourceName,
  PlatformAdapter
>;

export function adapterForSource(source: SourceName): PlatformAdapter {
  return ADAPTERS[source];
}

export function adapterForPlatform(platform: Platform): PlatformAdapter {
  return ADAPTERS[PLATFORM_SPECS[platform].source];
}
