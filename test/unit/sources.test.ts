import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookSecretDocument } from '#adapters/secrets-manager-webhook-secrets.ts';
import { Platform } from '#core/model/interaction.ts';
import { parserForSource } from '#core/platforms/index.ts';
import { parserForPlatform } from '#core/platforms/normalizers.ts';
import { DEFAULT_SLA_POLICY, SlaPolicy } from '#core/sla/policy.ts';
import {
  LISTENING_SOURCES,
  type ListeningSourceName,
  PLATFORM_SPECS,
  PLATFORMS,
  SECRET_FIELDS,
  SECRET_SPECS,
  SOURCE_NAMES,
  SOURCES,
  type SourceName,
} from '#core/sources.ts';
import { startBanner } from '../../lib/local/banner.ts';
import { twinSecrets } from '../../lib/local/twin.ts';
import { signedHeaders } from '../support/signing.ts';

// The registry is the only list of sources: everything that needs one is derived from it.
describe('the source registry', () => {
  it('gives every source a parser, and every platform the parser of its source', async () => {
    for (const name of SOURCE_NAMES) expect((await parserForSource(name)).source).toBe(name);
    for (const platform of PLATFORMS) {
      const source = PLATFORM_SPECS[platform].source;
      const registered =
        source in SOURCES ? SOURCES[source as SourceName] : LISTENING_SOURCES[source as ListeningSourceName];
      expect(Object.keys(registered.platforms)).toContain(platform);
      expect((await parserForPlatform(platform)).normalize).toBe(
        source in SOURCES
          ? (await parserForSource(source as SourceName)).normalize
          : (await parserForPlatform(platform)).normalize,
      );
    }
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

describe('signing a delivery as its platform would (heed replay, heed demo)', () => {
  const secrets = twinSecrets(mkdtempSync(path.join(tmpdir(), 'heed-sign-')));
  const independent = {
    xConsumerSecret: secrets.xConsumerSecret,
    metaAppSecret: secrets.metaAppSecret,
    genericWebhookSecret: secrets.genericWebhookSecret,
  };
  const route = { x: 'x', meta: 'meta', generic: 'generic/reviews' } as const;

  // Trustpilot signs nothing (the URL carries the token) and Google signs with its own keys (OIDC):
  // both are verified in platforms.test.ts.
  const bodySigned = SOURCE_NAMES.filter((s) => s !== 'trustpilot' && s !== 'google');
  it.each(bodySigned)('%s: what sign() makes, verify() accepts, and it matches the docs', async (source) => {
    const parser = await parserForSource(source);
    const secret = secrets[SOURCES[source].verifyWith];
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
        (body, seconds) => {
          const rawBody = Buffer.from(body);
          const now = new Date(seconds * 1000);
          const headers = parser.sign(rawBody, secret, { now, messageId: 'msg_replay_1' });
          const request = {
            source,
            method: 'POST',
            headers,
            query: {},
            pathParameters: { sender: 'reviews' },
            rawBody,
          };
          const webhookSecrets = Object.fromEntries(SECRET_FIELDS.map((f) => [f, [secrets[f]]]));
          expect(() => parser.verify(request, webhookSecrets as never, now)).not.toThrow();
          // The same headers as the test-side signer written from the platform's documentation.
          expect(headers).toEqual(
            signedHeaders(route[source as keyof typeof route], independent, body, {
              nowSeconds: seconds,
              messageId: 'msg_replay_1',
            }),
          );
        },
      ),
      { numRuns: 50 },
    );
  });
});
