import type { SourceName } from '../sources.ts';
import { genericParser } from './generic.ts';
import { googleBusinessParser } from './google-business.ts';
import { metaParser } from './meta.ts';
import type { SourceParser } from './parser.ts';
import { trustpilotParser } from './trustpilot.ts';
import { xParser } from './x/index.ts';

/** The parser of each registered source; the compiler names a source that has none. */
export const PARSERS = {
  x: xParser,
  meta: metaParser,
  generic: genericParser,
  trustpilot: trustpilotParser,
  google: googleBusinessParser,
} satisfies Record<SourceName, SourceParser>;

export function parserForSource(source: SourceName): SourceParser {
  return PARSERS[source];
}
