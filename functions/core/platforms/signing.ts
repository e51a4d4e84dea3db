import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Digest = 'sha256' | 'sha1';

export function hmac(algorithm: Digest, key: string | Buffer, data: string | Buffer): Buffer {
  return createHmac(algorithm, key).update(data).digest();
}

/** Constant-time comparison of a presented signature with the expected bytes (length leaks nothing secret). */
export function safeEqual(presented: Buffer, expected: Buffer): boolean {
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Decodes strictly: returns null when `text` is not canonical base64/hex, so garbage never "matches". */
export function decodeStrict(text: string, encoding: 'base64' | 'hex'): Buffer | null {
  const pattern = encoding === 'hex' ? /^(?:[0-9a-f]{2})+$/i : /^[A-Za-z0-9+/]+={0,2}$/;
  if (!pattern.test(text)) return null;
  const bytes = Buffer.from(text, encoding);
  return bytes.toString(encoding).toLowerCase() === text.toLowerCase() ? bytes : null;
}

/** True when any of the candidate secrets (current first, then those in rotation grace) signs `data` as `presented`. */
export function matchesAnySecret(
  presented: Buffer | null,
  secrets: readonly (string | Buffer)[],
  sign: (secret: string | Buffer) => Buffer,
): boolean {
  if (!presented) return false;
  let ok = false;
  // No early exit: every candidate is checked so timing does not reveal which secret matched.
  for (const secret of secrets) ok = safeEqual(presented, sign(secret)) || ok;
  return ok;
}

/**
 * Constant-time check of a presented shared token (e.g. Meta's verify token) against the configured
 * ones: both sides are hashed first so neither the content nor the length leaks through timing.
 */
export function matchesAnyToken(presented: string, tokens: readonly string[]): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const mine = digest(presented);
  let ok = false;
  for (const token of tokens) ok = timingSafeEqual(mine, digest(token)) || ok;
  return ok;
}
