import type { SourceName } from '../sources.ts';
import type { SourceParser } from './parser.ts';

/**
 * The parser of each registered source (the compiler names a source that has none), imported at its
 * first use: intake serves every source, and a cold start should build only the schemas of the one
 * it is delivering (each parser module builds its zod schemas as it loads; bench/cold-start.ts).
 */
const PARSER_MODULES = {
  x: () => import('./x/index.ts').then((m) => m.xParser),
  meta: () => import('./meta.ts').then((m) => m.metaParser),
  generic: () => import('./generic.ts').then((m) => m.genericParser),
  trustpilot: () => import('./trustpilot.ts').then((m) => m.trustpilotParser),
  google: () => import('./google-business.ts').then((m) => m.googleBusinessParser),
} satisfies Record<SourceName, () => Promise<SourceParser>>;

/** Loaded once per container: a dynamic import() per delivery would pay the module loader every time. */
const loaded = new Map<SourceName, Promise<SourceParser>>();

export function parserForSource(source: SourceName): Promise<SourceParser> {
  let parser = loaded.get(source);
  if (!parser) {
    parser = PARSER_MODULES[source]();
    loaded.set(source, parser);
  }
  return parser;
}
