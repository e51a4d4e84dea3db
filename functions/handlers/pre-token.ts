import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod/mini';
import { withheldScopes } from '#api/scopes.ts';
import { logger } from '#shared/runtime.ts';

/**
 * Cognito's pre token generation trigger (V2, access token customization): a user's access token
 * carries only the scopes their groups grant (api/scopes.ts SCOPE_GROUPS), so reading and acting are
 * separate per user and the API's authorizer refuses what a token lacks.
 */
/**
 * The part of the V2 token event this trigger reads (Cognito developer guide, pre token generation).
 * zod/mini rather than Powertools' full Cognito schema: the trigger runs at every sign-in and token
 * refresh, and the full schema tripled its bundle (bench/cold-start.ts).
 */
const TokenEvent = z.object({
  request: z.object({
    groupConfiguration: z.object({ groupsToOverride: z.array(z.string()) }),
    scopes: z.optional(z.array(z.string())),
  }),
});

export const preTokenGeneration = (event: unknown) => {
  const parsed = TokenEvent.parse(event);
  const scopesToSuppress = withheldScopes(
    parsed.request.groupConfiguration.groupsToOverride,
    parsed.request.scopes ?? [],
  );
  if (scopesToSuppress.length)
    logger.info('scopes withheld', {
      scopesToSuppress,
      groups: parsed.request.groupConfiguration.groupsToOverride,
    });
  // Cognito reads the response of the event it sent; the rest is returned as received.
  return {
    ...(event as Record<string, unknown>),
    response: { claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToSuppress } } },
  };
};

export const handler = middy(preTokenGeneration).use(injectLambdaContext(logger));
