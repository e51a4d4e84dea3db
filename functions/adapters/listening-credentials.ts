import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod';

/**
 * The listening credentials secret (JSON): the X app's bearer token for recent search, and the Google
 * OAuth client and refresh token that may read the Business Profile's reviews. Each part is optional:
 * a source without its credentials is not polled (X) or its events wait in the DLQ (Google).
 */
export const ListeningCredentials = z.object({
  xBearerToken: z.string().min(20).optional(),
  google: z
    .object({ clientId: z.string().min(1), clientSecret: z.string().min(1), refreshToken: z.string().min(1) })
    .optional(),
});
export type ListeningCredentials = z.infer<typeof ListeningCredentials>;

/** Read through Powertools Parameters: cached for five minutes, so a rotation is picked up without a deploy. */
export function listeningCredentials(secretId: string): () => Promise<ListeningCredentials> {
  return async () =>
    ListeningCredentials.parse((await getSecret(secretId, { transform: 'json', maxAge: 300 })) ?? {});
}
