import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebhookSecretDocument } from '#adapters/secrets-manager-webhook-secrets.ts';
import { Platform } from '#core/model/interaction.ts';
import { parserForPlatform, parserForSource } from '#core/platforms/index.ts';
import { DEFAULT_SLA_POLICY, SlaPolicy } from '#core/sla/policy.ts';
import { PLATFORMS, SECRET_FIELDS, SECRET_SPECS, SOURCE_NAMES, SOURCES } from '#core/sources.ts';
import { startBanner } from '../../lib/local/banner.ts';
import { twinSecrets } from '../../lib/local/twin.ts';

// The registry is the only list of sources: everything that needs one is derived from it.
describe('the source registry', () => {
  it('gives every source a parser, and every platform the parser of its source', () => {
    for (const name of SOURCE_NAMES) expect(parserForSource(name).source).toBe(name);
    for (const platform of PLATFORMS)
      expect(Object.keys(SOURCES[parserForPlatform(platform).source].platforms)).toContain(platform);
  });

  it('is the platform enum, the SLA targets, the secret document and the twin’s secrets', () => {
    expect(Platform.options).toEqual(PLATFORMS);
    expect(Object.keys(DEFAULT_SLA_POLICY.targets)).toEqual(PLATFORMS);
    expect(Object.keys(SlaPolicy.shape.targets.shape)).toEqual(PLATFORMS);
    expect(Object.keys(WebhookSecretDocument.shape)).toEqual(SECRET_FIELDS);
    const secrets = twinSecrets(mkdtempSync(path.join(tmpdir(), 'heed-sources-')));
    expect(Object.keys(secrets)).toEqual(SECRET_FIELDS);
    const banner = startBanner({
      url: 'http://127.0.0.1:1',
      dataDir: '.heed',
      timeScale: 1,
      apiToken: 't',
      readToken: 'r',
      outboxPath: 'o',
      secrets,
    });
    for (const source of Object.values(SOURCES)) expect(banner).toContain(source.path);
    for (const field of SECRET_FIELDS)
      expect(banner).toContain(`${SECRET_SPECS[field].env}=${secrets[field]}`);
  });

  it('names, for each source, secrets that exist', () => {
    for (const source of Object.values(SOURCES)) {
      expect(Object.keys(source.secrets)).toContain(source.verifyWith);
      if ('handshakeWith' in source) expect(Object.keys(source.secrets)).toContain(source.handshakeWith);
    }
  });
});
