import { normalizeFeedEntry } from '../listening/feeds.ts';
import type { Platform } from '../model/interaction.ts';
import { type ListeningSourceName, PLATFORM_SPECS, type SourceName } from '../sources.ts';
import { genericParser } from './generic.ts';
import { googleBusinessParser } from './google-business.ts';
import { metaParser } from './meta.ts';
import type { SourceParser } from './parser.ts';
import { trustpilotParser } from './trustpilot.ts';
import { xParser } from './x/index.ts';

/** The parser of each registered source; the compiler names a source that has none. */
const PARSERS = {
  x: xParser,
  meta: metaParser,
  generic: genericParser,
  trustpilot: trustpilotParser,
  google: googleBusinessParser,
} satisfies Record<SourceName, SourceParser>;

/** What the processor needs of a source: how its queued events become interactions. */
export type Normalizer = Pick<SourceParser, 'normalize' | 'resourceOf'>;

/** Listening sources are polled, not delivered: they only normalize what their poller enqueued. */
const NORMALIZERS = { feeds: { normalize: normalizeFeedEntry } } satisfies Record<
  ListeningSourceName,
  Normalizer
>;

export function parserForSource(source: SourceName): SourceParser {
  return PARSERS[source];
}

export function parserForPlatform(platform: Platform): Normalizer {
  const source = PLATFORM_SPECS[platform].source;
  return source in PARSERS ? PARSERS[source as SourceName] : NORMALIZERS[source as ListeningSourceName];
}
