import { SECRET_SPECS, SOURCES } from '#core/sources.ts';
import type { Twin } from './twin.ts';

/** What `heed start` prints: one line per registered source with its route and secrets. */
export function startBanner(
  twin: Pick<
    Twin,
    'url' | 'dataDir' | 'timeScale' | 'secrets' | 'apiToken' | 'readToken' | 'outboxPath' | 'listening'
  >,
) {
  const sources = Object.values(SOURCES).map((source) => {
    const secrets = Object.keys(source.secrets)
      .map((field) => {
        const name = field as keyof typeof SECRET_SPECS;
        return `${SECRET_SPECS[name].env}=${twin.secrets[name]}`;
      })
      .join('  ');
    const label = source.displayName.split(' (')[0]!.padEnd(16);
    return `  ${label} ${source.methods.join('/').padEnd(8)} ${twin.url}${source.path}\n${' '.repeat(28)}${secrets}`;
  });
  const listening = twin.listening
    ? `  Listening        polls the sample feeds, X search and Google reviews at ${twin.listening.url} (README § Listening)\n`
    : '';
  return `
Heed local twin is up (data in ${twin.dataDir}, SLA clock ×${twin.timeScale})

  Console          open     ${twin.url}/   (sign in with the API token below; try: npx heed demo)
  Health           GET      ${twin.url}/health
${sources.join('\n')}
${listening}  Complaints API   GET      ${twin.url}/complaints          Authorization: Bearer ${twin.apiToken}
                   (read only: Bearer ${twin.readToken})
  Outbox           ${twin.outboxPath}

Ctrl-C to stop.`;
}
