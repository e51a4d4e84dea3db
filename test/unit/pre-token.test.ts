import { describe, expect, it } from 'vitest';
import { SCOPE_GROUPS, withheldScopes } from '#api/routes.ts';
import { preTokenGeneration } from '#handlers/pre-token.ts';

// The V2 event as Cognito's developer guide documents it (pre token generation, access token customization).
const event = (groups: string[], scopes: string[]) => ({
  version: '2',
  triggerSource: 'TokenGeneration_HostedAuth',
  region: 'us-east-1',
  userPoolId: 'us-east-1_EXAMPLE',
  userName: 'ann',
  callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
  request: {
    userAttributes: { sub: 'a1b2', email: 'ann@brand.example', email_verified: 'true' },
    groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [], preferredRole: null },
    scopes,
  },
  response: { claimsAndScopeOverrideDetails: null },
});

describe('per-user scopes with the stack’s Cognito pool', () => {
  it('withholds heed/act from a user outside the responders group, and nothing from a responder', () => {
    const requested = ['openid', 'email', 'heed/read', 'heed/act'];
    const reader = preTokenGeneration(event([], requested));
    expect(reader.response).toEqual({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToSuppress: ['heed/act'] } },
    });
    expect(reader).toMatchObject({ userName: 'ann', triggerSource: 'TokenGeneration_HostedAuth' });
    const responder = preTokenGeneration(event(['responders'], requested));
    expect(responder.response.claimsAndScopeOverrideDetails.accessTokenGeneration.scopesToSuppress).toEqual(
      [],
    );
  });

  it('grants every scope through its group only, whatever else is asked for', () => {
    expect(SCOPE_GROUPS).toEqual({ read: null, act: 'responders' });
    expect(withheldScopes(['admins'], ['heed/act', 'heed/read', 'other/act'])).toEqual(['heed/act']);
    expect(withheldScopes([], ['myorg/act'], 'myorg/')).toEqual(['myorg/act']);
  });

  it('refuses an event that is not a V2 token event', () => {
    expect(() => preTokenGeneration({ version: '2', request: {} })).toThrow();
  });
});
