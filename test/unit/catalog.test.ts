import { describe, expect, it } from 'vitest';
import type { Interaction } from '#core/model/interaction.ts';
import { UNHANDLED_EVENT } from '#core/model/interaction.ts';
import { parserForPlatform } from '#core/platforms/normalizers.ts';
import type { WebhookRequest } from '#core/platforms/parser.ts';
import type { SourceName } from '#core/sources.ts';
import { ingestDelivery } from '#core/use-cases/ingest-delivery.ts';
import { CATALOG, type CatalogEntry } from '../fixtures/deliveries.ts';
import { FixedClock, MemoryQueue, MemoryReplayGuard } from '../support/fakes.ts';
import { REVIEW_SECRETS, signedHeaders } from '../support/signing.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const CATALOG_SECRETS = {
  xConsumerSecret: ['x-secret'],
  metaAppSecret: ['meta-secret'],
  metaVerifyToken: ['v'],
  genericWebhookSecret: [`whsec_${Buffer.from('generic-secret-bytes').toString('base64')}`],
  ...REVIEW_SECRETS,
};

function signedRequest(entry: CatalogEntry, now = NOW): WebhookRequest {
  const body = JSON.stringify(entry.body);
  const [platform, source] = entry.route.split('/');
  const secrets = {
    xConsumerSecret: 'x-secret',
    metaAppSecret: 'meta-secret',
    genericWebhookSecret: CATALOG_SECRETS.genericWebhookSecret[0]!,
  };
  return {
    method: 'POST',
    headers: signedHeaders(platform!, secrets, body, { nowSeconds: Math.floor(now.getTime() / 1000) }),
    query: {},
    source: platform as SourceName,
    pathParameters: source ? { sender: source } : {},
    rawBody: Buffer.from(body),
  };
}

describe.each(CATALOG)('$name', (entry) => {
  it('verifies, splits and normalizes as documented', async () => {
    const queue = new MemoryQueue();
    const outcome = await ingestDelivery(signedRequest(entry), {
      queue,
      replayGuard: new MemoryReplayGuard(),
      secrets: async () => CATALOG_SECRETS,
      clock: new FixedClock(NOW),
      maxBodyBytes: 1 << 20,
      deliveryId: 'd',
    });
    const ignored = entry.ignored ?? [];
    expect(outcome).toMatchObject({ kind: 'accepted', ignored });
    // What Heed does not handle is kept whole, once, for `heed reprocess`.
    const kept = queue.events.filter((event) => event.type === UNHANDLED_EVENT);
    expect(kept.map((event) => event.payload)).toEqual(
      ignored.length ? [expect.objectContaining({ ignored, body: entry.body })] : [],
    );
    const messages = queue.events.filter((event) => event.type !== UNHANDLED_EVENT);
    const interactions: Interaction[] = [];
    for (const event of messages)
      interactions.push(...(await parserForPlatform(event.platform)).normalize(event));
    expect(interactions).toHaveLength(entry.interactions.length);
    for (const [i, interaction] of interactions.entries())
      expect(interaction).toMatchObject(entry.interactions[i]!);
  });
});
