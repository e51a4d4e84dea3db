import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { PreTokenGenerationTriggerSchemaV2AndV3 } from '@aws-lambda-powertools/parser/schemas/cognito';
import middy from '@middy/core';
import { withheldScopes } from '#api/scopes.ts';
import { logger } from '#shared/runtime.ts';

/**
 * Cognito's pre token generation trigger (V2, access token customization): a user's access token
 * carries only the scopes their groups grant (api/scopes.ts SCOPE_GROUPS), so reading and acting are
 * separate per user and the API's authorizer refuses what a token lacks.
 */
export const preTokenGeneration = (event: unknown) => {
  const parsed = PreTokenGenerationTriggerSchemaV2AndV3.parse(event);
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
