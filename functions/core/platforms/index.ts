import type { Platform } from '../model/interaction.ts';
import { PLATFORM_SPECS, type SourceName } from '../sources.ts';
import { genericParser } from './generic.ts';
import { metaParser } from './meta.ts';
import type { SourceParser } from './parser.ts';
import { xParser } from './x/index.ts';

/** The parser of each registered source; the compiler names a source that has none. */
const PARSERS = { x: xParser, meta: metaParser, generic: genericParser } satisfies Record<
  SourceName,
  SourceParser
>;

export function parserForSource(source: SourceName): SourceParser {
  return PARSERS[source];
}

export function parserForPlatform(platform: Platform): SourceParser {
  return PARSERS[PLATFORM_SPECS[platform].source];
}
