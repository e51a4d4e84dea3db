import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SlaPolicy } from '#core/sla/policy.ts';
import { PROJECT_ROOT } from '../constructs/node-function.ts';
import type { CfnTemplate } from './template.ts';

/** Where `npm run build` puts the console (console/vite.config.ts); the CDK app deploys the same files. */
export const CONSOLE_DIST = path.join(PROJECT_ROOT, 'console', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

export interface StaticFile {
  contentType: string;
  body: Buffer;
  /** Fingerprinted assets never change; the page itself is checked every time. */
  cacheControl: string;
}

/**
 * The built console as the twin serves it at `/` (CloudFront serves the same files in AWS): exactly
 * the files the build made, read once at start, plus `config.json` telling the page how to sign in.
 * Any other path is left to the API (and so to its authorizer).
 */
export function consoleFiles(config: unknown, dist = CONSOLE_DIST): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(path.join(dist, 'index.html'))) return files;
  for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    const type = TYPES[path.extname(entry)];
    const full = path.join(dist, entry);
    if (!type || !existsSync(full) || entry.endsWith('config.json')) continue;
    const assets = entry.startsWith(`assets${path.sep}`);
    files.set(`/${entry.split(path.sep).join('/')}`, {
      contentType: type,
      body: readFileSync(full),
      cacheControl: assets ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  files.set('/', files.get('/index.html')!);
  files.set('/config.json', {
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify(config)),
    cacheControl: 'no-cache',
  });
  return files;
}

/** The stage's SLA policy as the template hands it to the functions (SLA_POLICY). */
export function slaPolicyOf(template: CfnTemplate): SlaPolicy | undefined {
  for (const resource of Object.values(template.Resources)) {
    const variables = (resource.Properties?.['Environment'] as { Variables?: Record<string, unknown> })
      ?.Variables;
    const value = variables?.['SLA_POLICY'];
    if (typeof value === 'string') return SlaPolicy.parse(JSON.parse(value));
  }
  return undefined;
}
