import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, type RouteKey } from '#api/routes.ts';
import type { Complaint } from '#core/model/complaint.ts';
import { synthesizeTemplate } from '../../lib/local/synth.ts';
import { twinSecrets } from '../../lib/local/twin.ts';
import { BRAND_X_ID, xTweet } from '../fixtures/deliveries.ts';
import { signedHeaders } from '../support/signing.ts';
import { API_TOKEN, eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

// Each attack from the security review, tried against the running twin. 600×: X high = 30 min → 3 s.
let t: TestTwin;
type Detail = Complaint & { timeline: { type: string; detail: Record<string, unknown> }[] };

beforeAll(async () => {
  t = await startTestTwin({ timeScale: 600 });
});
afterAll(async () => {
  await t?.stop();
});

const all = async () => (await t.json<{ items: Complaint[] }>('/complaints?limit=100')).items;
const byExternalId = async (externalId: string) => (await all()).find((c) => c.externalId === externalId);
const region = 'us-east-1';

describe('forgery', () => {
  it('answers no CRC challenge that could sign a delivery', async () => {
    const forged = JSON.stringify(xTweet({ id: '1870000000000000001', text: '@brand forged' }));
    const oracle = await t.fetch(`/webhooks/x?crc_token=${encodeURIComponent(forged)}`);
    expect(oracle.status).toBe(400);
    expect(oracle.headers.get('content-type')).toBe('application/problem+json');
    // A token X would send is answered — and its answer signs nothing that intake accepts.
    const token = 'M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0';
    const { response_token } = (await (await t.fetch(`/webhooks/x?crc_token=${token}`)).json()) as {
      response_token: string;
    };
    expect((await t.postX(token, response_token)).status).toBe(400);
  });

  it('processes a replayed Standard Webhooks message once', async () => {
    const body = JSON.stringify({
      id: 'rev-1',
      author: { id: 'u1', name: 'Bo' },
      text: 'refund still missing',
    });
    const headers = signedHeaders('generic/reviews', t.twin.secrets, body, { messageId: 'msg_replayed' });
    const post = () => t.fetch('/webhooks/generic/reviews', { method: 'POST', headers, body });
    expect(await (await post()).json()).toEqual({ accepted: 1, ignored: 0 });
    expect(await (await post()).json()).toEqual({ accepted: 0, ignored: 0, duplicate: true });
    await eventually(() => byExternalId('reviews:rev-1'), 10_000, 'the review');
    expect((await all()).filter((c) => c.externalId === 'reviews:rev-1')).toHaveLength(1);
  });

  it('refuses to start with a weak or placeholder secret', () => {
    expect(() => twinSecrets(t.twin.dataDir, { xConsumerSecret: 'set-me' })).toThrow(/X_CONSUMER_SECRET/);
    expect(() => twinSecrets(t.twin.dataDir, { genericWebhookSecret: 'whsec_' })).toThrow(
      /GENERIC_WEBHOOK_SECRET/,
    );
  });
});

describe('IAM in the twin', () => {
  const as = (handler: string) => ({ region, credentials: t.twin.credentialsOf(handler) });

  it('refuses every call a function’s role does not allow, as AWS does', async () => {
    const { TableNames = [] } = await new DynamoDBClient({}).send(new ListTablesCommand({}));
    const complaints = TableNames.find((name) => name.includes('Data'))!;
    const { Topics = [] } = await new SNSClient({}).send(new ListTopicsCommand({}));
    const ingestDb = new DynamoDBClient(as('ingest'));
    await expect(
      ingestDb.send(
        new PutItemCommand({ TableName: complaints, Item: { pk: { S: 'C#x' }, sk: { S: 'C' } } }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(
      new SNSClient(as('ingest')).send(
        new PublishCommand({ TopicArn: Topics[0]!.TopicArn, Message: 'forged page' }),
      ),
    ).rejects.toMatchObject({ name: 'AuthorizationErrorException' });
    // The API may start and stop timers, and nothing else on the state machine.
    const api = new SFNClient(as('api'));
    const started = await api.send(
      new StartExecutionCommand({
        stateMachineArn: t.twin.stateMachineArn,
        name: 'iam-probe',
        input: JSON.stringify({ complaintId: 'c_missing' }),
      }),
    );
    await expect(
      api.send(new DescribeExecutionCommand({ executionArn: started.executionArn })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    // The API updates complaints but never creates one (least privilege: no PutItem).
    await expect(
      new DynamoDBClient(as('api')).send(
        new PutItemCommand({ TableName: complaints, Item: { pk: { S: 'C#x' }, sk: { S: 'C' } } }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // The processor reads and writes complaints.
    await new DynamoDBClient(as('processor')).send(
      new GetItemCommand({ TableName: complaints, Key: { pk: { S: 'C#x' }, sk: { S: 'C' } } }),
    );
    expect(t.logs.some((line) => line.includes('! IAM:') && line.includes('dynamodb:PutItem'))).toBe(true);
  });
});

describe('notifications', () => {
  it('pages a complaint whose author’s name and handle carry line breaks, with no forged line', async () => {
    const delivery = xTweet({
      id: '1870000000000000010',
      screenName: 'ann\nAcknowledge: https://evil.example/ack',
      text: '@brand my order arrived broken and nobody answers. Terrible service',
    });
    delivery.tweet_create_events[0]!.user.name = 'Ann\r\nComplaint c_forged';
    expect((await t.postX(delivery)).status).toBe(200);
    const complaint = await eventually(() => byExternalId('1870000000000000010'), 10_000, 'the complaint');
    const line = await eventually(
      () => t.outbox().find((l) => l.complaintId === complaint.id && l.step === 'L1'),
      20_000,
      'the L1 page',
    );
    expect(line.subject).not.toMatch(/[\r\n]/);
    expect(line.subject.length).toBeLessThan(100);
    const lines = line.message.split('\n');
    expect(lines.filter((l) => l.startsWith('Acknowledge:'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('Complaint '))).toEqual([`Complaint ${complaint.id}`]);
  });
});

describe('deletion on the platform', () => {
  it('removes the words, the author and the link of a deleted message, and its raw delivery', async () => {
    await t.postX(
      xTweet({ id: '1870000000000000020', text: '@brand my card was charged twice, fix it now' }),
    );
    const parent = await eventually(() => byExternalId('1870000000000000020'), 10_000, 'the complaint');
    await t.postX(
      xTweet({
        id: '1870000000000000021',
        inReplyTo: '1870000000000000020',
        text: 'still waiting, call me on 555-0100',
      }),
    );
    const before = await eventually(
      async () => {
        const d = await t.json<Detail>(`/complaints/${parent.id}`);
        return d.timeline.some((e) => e.type === 'follow-up') && d;
      },
      10_000,
      'the follow-up',
    );
    const deletes = {
      for_user_id: BRAND_X_ID,
      tweet_delete_events: ['1870000000000000020', '1870000000000000021'].map((id) => ({
        status: { id, user_id: '6253282' },
        timestamp_ms: '1539202800000',
      })),
    };
    expect((await t.postX(deletes)).status).toBe(200);
    const detail = await eventually(
      async () => {
        const d = await t.json<Detail>(`/complaints/${parent.id}`);
        return d.deleted && d.timeline.some((e) => e.type === 'follow-up' && e.detail['deleted']) && d;
      },
      10_000,
      'both deletes',
    );
    expect(detail).toMatchObject({ text: '', author: { id: 'deleted' }, externalId: '1870000000000000020' });
    expect(detail.permalink).toBeUndefined();
    // The SLA facts stay.
    expect([detail.ackDueAt, detail.severity, detail.receivedAt]).toEqual([
      before.ackDueAt,
      before.severity,
      before.receivedAt,
    ]);
    expect(JSON.stringify(detail)).not.toMatch(/charged twice|555-0100|ann_customer|Ann Customer/);
    const { TableNames = [] } = await new DynamoDBClient({}).send(new ListTablesCommand({}));
    const table = TableNames.find((name) => name.includes('Data'))!;
    const deliveries = detail.timeline
      .filter((e) => e.type === 'received' || e.type === 'follow-up')
      .map((e) => String(e.detail['deliveryId']));
    expect(deliveries).toHaveLength(2);
    for (const deliveryId of deliveries) {
      const { Item } = await new DynamoDBClient({}).send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: `D#${deliveryId}` }, sk: { S: 'RAW' } } }),
      );
      expect(Item).toBeUndefined();
    }
  });
});

describe('every route of the synthesized template', () => {
  const { template } = synthesizeTemplate();
  const routes = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map((r) => String(r.Properties?.['RouteKey']));
  const api = routes.filter((key) => !key.includes(' /webhooks/') && key !== '$default');
  const call = (key: string, token?: string) => {
    const [method, path] = key.split(' ') as [string, string];
    return t.fetch(path.replace('{id}', 'c_0000000000000000000000').replace('{sender}', 'reviews'), {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: method === 'GET' ? undefined : '{}',
    });
  };

  it('covers every API route of the route table', () => {
    expect(api.sort()).toEqual(Object.keys(API_ROUTES).sort());
  });

  it('refuses any other path without a valid token (no route discovery), and answers 404 with one', async () => {
    expect(routes).toContain('$default');
    for (const path of ['/admin', '/complaints/c_1/delete', '/.env', '/openapi.yaml']) {
      for (const token of [undefined, 'nope']) {
        const refused = await t.fetch(path, token ? { headers: { authorization: `Bearer ${token}` } } : {});
        expect([path, refused.status]).toEqual([path, 401]);
      }
      const missing = await t.api(path, { method: 'POST' });
      expect([path, missing.status, missing.headers.get('content-type')]).toEqual([
        path,
        404,
        'application/problem+json',
      ]);
    }
  });

  it.each(api)(
    '%s: refuses no token and a wrong token (401), and a token without its scope (403)',
    async (key) => {
      for (const token of [undefined, 'not-a-token', `${API_TOKEN}x`]) {
        const refused = await call(key, token);
        expect([refused.status, await refused.json()]).toEqual([401, { message: 'Unauthorized' }]);
      }
      const viewer = await call(key, t.twin.readToken);
      const agent = await call(key, API_TOKEN);
      if (API_ROUTES[key as RouteKey].scope === 'act') {
        expect([viewer.status, await viewer.json()]).toEqual([403, { message: 'Forbidden' }]);
      } else {
        expect([401, 403]).not.toContain(viewer.status);
      }
      expect([401, 403]).not.toContain(agent.status);
      expect(agent.status).toBeLessThan(500);
    },
  );

  it.each(routes.filter((key) => key.startsWith('POST /webhooks/')))(
    '%s: refuses an unsigned delivery whatever bearer token it carries',
    async (key) => {
      const refused = await call(key, API_TOKEN);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
    },
  );
});
