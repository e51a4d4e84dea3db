import { decodeStrict } from './signing.ts';

/**
 * What a webhook secret must be before Heed trusts a signature made with it. A weak key lets anyone
 * sign: an empty HMAC key (`whsec_`, `====`), a placeholder (`set-me`), a short passphrase.
 */
export type SecretKind =
  /** Issued by the platform (X consumer secret: 50 characters; Meta app secret: 32 hex). */
  | 'platform-issued'
  /** Chosen by the team and typed into Meta's webhook setup. */
  | 'verify-token'
  /** Standard Webhooks: `whsec_` + base64 of the key bytes. */
  | 'standard-webhooks'
  /** The unguessable last part of a webhook URL, for a platform that does not sign (Trustpilot). */
  | 'url-token'
  /** A Google service account's e-mail: who an OIDC token must be issued to (not secret, but checked). */
  | 'service-account';

export const MIN_PLATFORM_SECRET_CHARS = 32;
export const MIN_VERIFY_TOKEN_CHARS = 16;
export const MIN_URL_TOKEN_CHARS = 32;
const SERVICE_ACCOUNT = /^[a-z0-9][a-z0-9._-]{0,62}@[a-z0-9][a-z0-9.-]{0,252}\.[a-z]{2,}$/;
const URL_SAFE = /^[A-Za-z0-9_-]+$/;
export const MIN_STANDARD_WEBHOOKS_KEY_BYTES = 24;
const MIN_DISTINCT_CHARS = 8;

// Anchored: a random secret never starts like this, while templates and docs do.
const PLACEHOLDER =
  /^(<|\{\{|\$\{)?(set[-_ ]?me|change[-_ ]?me|replace[-_ ]?me|placeholder|your[-_ ]|x{3,}|\*{3,})/i;

/** The HMAC key of a Standard Webhooks secret; null unless it is canonical base64 (with or without `whsec_`). */
export function standardWebhooksKey(secret: string): Buffer | null {
  return decodeStrict(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** Why `value` is not acceptable as a secret of this kind, or null when it is. Never echoes the value. */
export function secretProblem(kind: SecretKind, value: string): string | null {
  if (value.trim() === '') return 'is empty';
  if (/[\s\p{C}]/u.test(value)) return 'contains white space or control characters';
  if (PLACEHOLDER.test(value)) return 'is a placeholder, not a secret';
  if (kind === 'standard-webhooks') {
    const key = standardWebhooksKey(value);
    if (!key) return 'is not whsec_ followed by base64';
    if (key.length < MIN_STANDARD_WEBHOOKS_KEY_BYTES)
      return `decodes to ${key.length} bytes; at least ${MIN_STANDARD_WEBHOOKS_KEY_BYTES} are required`;
    return new Set(key).size < MIN_DISTINCT_CHARS ? 'has too little variety to be random' : null;
  }
  if (kind === 'service-account')
    return SERVICE_ACCOUNT.test(value) ? null : 'is not a service account e-mail address';
  if (kind === 'url-token' && !URL_SAFE.test(value))
    return 'may hold only letters, digits, - and _ (it is part of a URL)';
  const min =
    kind === 'platform-issued'
      ? MIN_PLATFORM_SECRET_CHARS
      : kind === 'url-token'
        ? MIN_URL_TOKEN_CHARS
        : MIN_VERIFY_TOKEN_CHARS;
  if (value.length < min) return `is ${value.length} characters; at least ${min} are required`;
  return new Set(value).size < MIN_DISTINCT_CHARS ? 'has too little variety to be random' : null;
}
