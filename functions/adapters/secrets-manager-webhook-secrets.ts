import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { WebhookSecrets } from '#core/ports.ts';

const OneOrMany = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((v) => (Array.isArray(v) ? v : [v]));

/**
 * The secret's JSON. Each value may be a string or a list: during a rotation put the new value first
 * and keep the old one after it until every platform signs with the new one.
 */
export const WebhookSecretDocument = z.object({
  xConsumerSecret: OneOrMany.default([]),
  metaAppSecret: OneOrMany.default([]),
  metaVerifyToken: OneOrMany.default([]),
  genericWebhookSecret: OneOrMany.default([]),
});

export function toWebhookSecrets(json: string): WebhookSecrets {
  const doc = WebhookSecretDocument.parse(JSON.parse(json));
  return {
    xConsumerSecrets: doc.xConsumerSecret,
    metaAppSecrets: doc.metaAppSecret,
    metaVerifyTokens: doc.metaVerifyToken,
    genericSecrets: doc.genericWebhookSecret,
  };
}

/** Reads the secret once per cold start (and again after `ttlMs`, to pick up a rotation). */
export function secretsManagerWebhookSecrets(
  secretId: string,
  ttlMs = 5 * 60_000,
  client = new SecretsManagerClient({}),
) {
  let cached: { value: Promise<WebhookSecrets>; at: number } | undefined;
  return (): Promise<WebhookSecrets> => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      const value = client
        .send(new GetSecretValueCommand({ SecretId: secretId }))
        .then((r) => toWebhookSecrets(r.SecretString ?? '{}'));
      cached = { value, at: Date.now() };
      value.catch(() => {
        cached = undefined; // never cache a failure
      });
    }
    return cached.value;
  };
}
