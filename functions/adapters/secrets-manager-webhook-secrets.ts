import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { type SecretKind, secretProblem } from '#core/platforms/secret-policy.ts';
import type { WebhookSecrets } from '#core/ports.ts';

const OneOrMany = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

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
type DocumentField = keyof z.infer<typeof WebhookSecretDocument>;

const FIELDS: Record<DocumentField, { kind: SecretKind; as: keyof WebhookSecrets }> = {
  xConsumerSecret: { kind: 'platform-issued', as: 'xConsumerSecrets' },
  metaAppSecret: { kind: 'platform-issued', as: 'metaAppSecrets' },
  metaVerifyToken: { kind: 'verify-token', as: 'metaVerifyTokens' },
  genericWebhookSecret: { kind: 'standard-webhooks', as: 'genericSecrets' },
};

/** A value refused at load: which field, which position, and why (never the value itself). */
export interface RejectedSecret {
  field: DocumentField;
  index: number;
  reason: string;
}

/**
 * Parses the secret document, keeping only values strong enough to trust. A refused value is left out
 * (that source then fails closed with 401) and reported, so one bad field never opens a route.
 */
export function toWebhookSecrets(
  json: string,
  onRejected: (r: RejectedSecret) => void = () => {},
): WebhookSecrets {
  const doc = WebhookSecretDocument.parse(JSON.parse(json));
  const secrets: WebhookSecrets = {
    xConsumerSecrets: [],
    metaAppSecrets: [],
    metaVerifyTokens: [],
    genericSecrets: [],
  };
  for (const [field, { kind, as }] of Object.entries(FIELDS) as [
    DocumentField,
    (typeof FIELDS)[DocumentField],
  ][]) {
    doc[field].forEach((value, index) => {
      const reason = secretProblem(kind, value);
      if (reason) onRejected({ field, index, reason });
      else secrets[as].push(value);
    });
  }
  return secrets;
}

/** Reads the secret once per cold start (and again after `ttlMs`, to pick up a rotation). */
export function secretsManagerWebhookSecrets(
  secretId: string,
  options: { ttlMs?: number; client?: SecretsManagerClient; onRejected?: (r: RejectedSecret) => void } = {},
) {
  const { ttlMs = 5 * 60_000, client = new SecretsManagerClient({}), onRejected } = options;
  let cached: { value: Promise<WebhookSecrets>; at: number } | undefined;
  return (): Promise<WebhookSecrets> => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      const value = client
        .send(new GetSecretValueCommand({ SecretId: secretId }))
        .then((r) => toWebhookSecrets(r.SecretString ?? '{}', onRejected));
      cached = { value, at: Date.now() };
      value.catch(() => {
        cached = undefined; // never cache a failure
      });
    }
    return cached.value;
  };
}
