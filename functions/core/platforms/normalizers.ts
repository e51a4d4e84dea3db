import { normalizeFeedEntry } from '../listening/feeds.ts';
import type { Platform } from '../model/interaction.ts';
import { type ListeningSourceName, PLATFORM_SPECS, type SourceName } from '../sources.ts';
import { parserForSource } from './index.ts';
import type { SourceParser } from './parser.ts';

/**
 * What the processor needs of a source: how its queued events become interactions. Apart from the
 * parsers' lookup (index.ts) so that webhook intake does not bundle what only the processor runs.
 */
export type Normalizer = Pick<SourceParser, 'normalize' | 'resourceOf'>;

/** Listening sources are polled, not delivered: they only normalize what their poller enqueued. */
const NORMALIZERS = { feeds: { normalize: normalizeFeedEntry } } satisfies Record<
  ListeningSourceName,
  Normalizer
>;

export async function parserForPlatform(platform: Platform): Promise<Normalizer> {
  const source = PLATFORM_SPECS[platform].source;
  return source in NORMALIZERS
    ? NORMALIZERS[source as ListeningSourceName]
    : parserForSource(source as SourceName);
}
