// Test-side signers written straight from the platforms' docs (not the core's code), so a bug in the
// core's verification cannot hide behind the same bug here.
import { createHmac } from 'node:crypto';

export const signX = (secret: string, body: string | Buffer) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
export const signMeta = (secret: string, body: string | Buffer) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
export function signGeneric(secret: string, id: string, timestamp: number, body: string) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export interface PlatformSecrets {
  xConsumerSecret: string;
  metaAppSecret: string;
  genericWebhookSecret: string;
}

/** The headers a platform would send with `body` to `/webhooks/<route>` (route: x, meta, generic/<source>). */
export function signedHeaders(
  route: string,
  secrets: PlatformSecrets,
  body: string,
  options: { nowSeconds?: number; messageId?: string } = {},
): Record<string, string> {
  if (route === 'x') return { 'x-twitter-webhooks-signature': signX(secrets.xConsumerSecret, body) };
  if (route === 'meta') return { 'x-hub-signature-256': signMeta(secrets.metaAppSecret, body) };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const id = options.messageId ?? `msg_${createHmac('sha256', 'id').update(body).digest('hex').slice(0, 12)}`;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(now),
    'webhook-signature': signGeneric(secrets.genericWebhookSecret, id, now, body),
  };
}

/** The review sources' settings in a test secret document (Trustpilot's URL token, Google's push identity). */
export const REVIEW_SECRETS = {
  trustpilotUrlToken: ['tp_0123456789abcdefghijklmnopqrstuvwxyz'],
  googlePushAudience: ['heed-test-push-audience'],
  googlePushServiceAccount: ['heed-push@test-project.iam.gserviceaccount.com'],
};
