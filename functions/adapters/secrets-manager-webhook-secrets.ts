import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { secretProblem } from '#core/platforms/secret-policy.ts';
import type { WebhookSecrets } from '#core/ports.ts';
import { SECRET_FIELDS, SECRET_SPECS, type SecretField } from '#core/sources.ts';

const OneOrMany = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

/**
 * The secret's JSON: one field per secret of each registered source (core/sources.ts). Each value may
 * be a string or a list: during a rotation put the new value first and keep the old one after it
 * until every platform signs with the new one.
 */
export const WebhookSecretDocument = z.object(
  Object.fromEntries(SECRET_FIELDS.map((field) => [field, OneOrMany.default([])])) as Record<
    SecretField,
    z.ZodDefault<typeof OneOrMany>
  >,
);

/** A value refused at load: which field, which position, and why (never the value itself). */
export interface RejectedSecret {
  field: SecretField;
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
  return Object.fromEntries(
    SECRET_FIELDS.map((field) => [
      field,
      doc[field].filter((value, index) => {
        const reason = secretProblem(SECRET_SPECS[field].kind, value);
        if (reason) onRejected({ field, index, reason });
        return !reason;
      }),
    ]),
  ) as WebhookSecrets;
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
