/** What a caller may do: read the queue and the numbers, or act on complaints. */
export const SCOPES = ['read', 'act'] as const;
export type Scope = (typeof SCOPES)[number];
/**
 * OAuth scopes are `<prefix><scope>`: with the stack's Cognito pool the prefix is its resource
 * server's identifier and a slash (heed/read, heed/act); an external issuer grants the same by default.
 */
export const DEFAULT_SCOPE_PREFIX = 'heed/';
/**
 * With the stack's Cognito pool, who gets each scope: every user of the pool (the team; no self
 * sign-up) reads, and acting is for members of the `responders` group. The pool's token trigger
 * withholds the scopes a user's groups do not grant, so the authorizer refuses them 403.
 */
export const SCOPE_GROUPS: Readonly<Record<Scope, string | null>> = { read: null, act: 'responders' };

/** The requested `<prefix><scope>` scopes that `groups` do not grant (others pass untouched). */
export function withheldScopes(
  groups: readonly string[],
  requested: readonly string[],
  prefix = DEFAULT_SCOPE_PREFIX,
): string[] {
  return requested.filter((requestedScope) =>
    SCOPES.some((scope) => {
      const group = SCOPE_GROUPS[scope];
      return requestedScope === `${prefix}${scope}` && group !== null && !groups.includes(group);
    }),
  );
}
