import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, type CatalogEntry } from '../fixtures/deliveries.ts';
import { signedHeaders, signGeneric, signMeta, signX } from '../support/signing.ts';
import { eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

let t: TestTwin;

beforeAll(async () => {
  t = await startTestTwin();
});
afterAll(async () => {
  await t?.stop();
});

function post(entry: CatalogEntry) {
  const body = JSON.stringify(entry.body);
  const headers = signedHeaders(entry.route.split('/')[0]!, t.twin.secrets, body);
  return t.fetch(`/webhooks/${entry.route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

const all = () => t.allComplaints();

describe('every documented delivery, through the local twin', () => {
  it('accepts each signed delivery with 200 and counts what it ignores', async () => {
    for (const entry of CATALOG) {
      const response = await post(entry);
      expect([entry.name, response.status]).toEqual([entry.name, 200]);
      expect(await response.json()).toEqual({
        accepted: expect.any(Number),
        ignored: (entry.ignored ?? []).length,
      });
    }
  });

  it('stores each customer message once, never a brand reply, a retweet or an ignored event', async () => {
    const creates = CATALOG.flatMap((e) => e.interactions).filter(
      (i) => !i['fromBrand'] && (i['action'] ?? 'create') === 'create' && i['externalId'],
    );
    const stored = await eventually(
      async () => {
        const items = await all();
        return creates.every((c) => items.some((s) => s.externalId === c['externalId'])) && items;
      },
      15_000,
      'every customer message',
    );
    for (const c of creates) expect(stored.filter((s) => s.externalId === c['externalId'])).toHaveLength(1);
    for (const brand of [
      '1850000000000000005',
      'dm:954491830116155397',
      '444444444_888',
      'm_echo_1',
      '1850000000000000004',
    ]) {
      expect(stored.find((s) => s.externalId === brand)).toBeUndefined();
    }
    expect(stored.find((s) => s.externalId === '444444444_444444444')).toMatchObject({ test: true });
    expect(new Set(stored.map((s) => s.platform))).toEqual(
      new Set(['x', 'facebook', 'messenger', 'instagram', 'whatsapp', 'generic']),
    );
  });

  it('applies edits and deletes to the stored message', async () => {
    const find = async (externalId: string) => (await all()).find((c) => c.externalId === externalId);
    const deleted = await eventually(
      async () => (await find('1850000000000000001'))?.deleted && find('1850000000000000001'),
      10_000,
      'the delete',
    );
    expect(deleted).toMatchObject({ deleted: true });
    const edited = await eventually(
      async () => {
        const c = await find('444444444_555555555');
        return c?.text.startsWith('EDIT') && c;
      },
      10_000,
      'the edit',
    );
    const detail = await t.json<{ timeline: { type: string }[] }>(`/complaints/${edited.id}`);
    expect(detail.timeline.map((e) => e.type)).toContain('edited');
    // A delete for a message never seen leaves no complaint behind.
    expect(await find('444444444_777')).toBeUndefined();
  });
});

describe('bad input at intake', () => {
  const entry = CATALOG[0]!;

  it('rejects Meta legacy SHA-1 signatures unless configured', async () => {
    const body = JSON.stringify(CATALOG.find((e) => e.route === 'meta')!.body);
    const { createHmac } = await import('node:crypto');
    const sha1 = `sha1=${createHmac('sha1', t.twin.secrets.metaAppSecret).update(body).digest('hex')}`;
    const response = await t.fetch('/webhooks/meta', {
      method: 'POST',
      headers: { 'x-hub-signature': sha1 },
      body,
    });
    expect(response.status).toBe(401);
  });

  it('accepts a signed body of a Meta object Heed does not read (200, kept), and refuses a body that is not JSON (400 problem+json)', async () => {
    const body = JSON.stringify({ object: 'ads_account', entry: [] });
    const accepted = await t.fetch('/webhooks/meta', {
      method: 'POST',
      headers: { 'x-hub-signature-256': signMeta(t.twin.secrets.metaAppSecret, body) },
      body,
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ accepted: 0, ignored: 1 });
    const notJson = '{"object": "page", "entry": [';
    const response = await t.fetch('/webhooks/meta', {
      method: 'POST',
      headers: { 'x-hub-signature-256': signMeta(t.twin.secrets.metaAppSecret, notJson) },
      body: notJson,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      type: 'urn:heed:problem:bad_request',
      title: 'Bad Request',
      status: 400,
      code: 'bad_request',
      detail: 'body is not valid JSON',
      instance: expect.stringMatching(/^\/webhooks\/meta#request-/),
    });
  });

  it('rejects a generic delivery outside the replay window', async () => {
    const body = JSON.stringify(CATALOG.find((e) => e.route.startsWith('generic'))!.body);
    const old = Math.floor(Date.now() / 1000) - 600;
    const response = await t.fetch('/webhooks/generic/reviews', {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_old',
        'webhook-timestamp': String(old),
        'webhook-signature': signGeneric(t.twin.secrets.genericWebhookSecret, 'msg_old', old, body),
      },
      body,
    });
    expect(response.status).toBe(401);
  });

  it('keeps the exact bytes: a re-serialised body fails verification', async () => {
    const body = JSON.stringify(entry.body);
    const response = await t.fetch('/webhooks/x', {
      method: 'POST',
      headers: { 'x-twitter-webhooks-signature': signX(t.twin.secrets.xConsumerSecret, body) },
      body: JSON.stringify(entry.body, null, 2),
    });
    expect(response.status).toBe(401);
  });
});
