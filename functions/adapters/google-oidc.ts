import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { Unauthorized } from '#core/model/errors.ts';
import type { OidcVerifier } from '#core/ports.ts';

/** Google's OIDC signing keys (JWKS) and the issuers of its ID tokens. */
export const GOOGLE_CERTS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

/**
 * Verifies Google-signed ID tokens with jose: RS256 signature against Google's JWKS (fetched once,
 * cached, refetched when an unknown key id appears, as Google rotates keys), issuer, expiry (one
 * minute of clock tolerance) and audience. The key set is made at the first Google delivery, not at
 * init: the ingest function serves every platform (bench/cold-start.ts).
 */
export function googleOidcVerifier(certsUrl = GOOGLE_CERTS_URL): OidcVerifier {
  let keys: JWTVerifyGetKey | undefined;
  return {
    async verify(token, audiences) {
      keys ??= createRemoteJWKSet(new URL(certsUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: GOOGLE_ISSUERS,
          audience: [...audiences],
          algorithms: ['RS256'],
          clockTolerance: 60,
        });
        return payload as Record<string, unknown>;
      } catch (error) {
        // Google's keys could not be fetched: our failure, not the sender's (5xx; Pub/Sub retries).
        if (error instanceof errors.JWKSTimeout || (error as Error).name === 'TypeError') throw error;
        if (error instanceof errors.JOSEError) throw new Unauthorized(`push token refused: ${error.code}`);
        throw error;
      }
    },
  };
}
