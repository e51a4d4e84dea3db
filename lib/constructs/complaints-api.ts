import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  type HttpApi,
  type HttpMethod,
  HttpRoute,
  HttpRouteKey,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  API_ROUTES,
  DEFAULT_SCOPE_PREFIX,
  methodAndPath,
  type RouteKey,
  SCOPE_GROUPS,
  SCOPES,
} from '#api/routes.ts';
import type { SlaPolicy } from '#core/sla/policy.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { grantItemActions } from './data-key.ts';
import { NodeFunction } from './node-function.ts';

export interface ComplaintsApiProps {
  api: HttpApi;
  table: ITableV2;
  logRetention: RetentionDays;
  auth: StageConfig['auth'];
  slaPolicy: SlaPolicy;
  stage: string;
  /** Where sign-in may return to (the console's URL): the Cognito client's callback URLs. */
  callbackUrls: string[];
}

/** The team's API behind a JWT authorizer: an external OIDC issuer, or a Cognito user pool made here. */
export class ComplaintsApi extends Construct {
  readonly fn: NodeFunction;
  readonly userPool?: UserPool;
  /** Cognito's token trigger (with the stack's own pool). */
  readonly preTokenFn?: NodeFunction;
  /** The hosted sign-in (with the stack's own pool): what the console redirects to. */
  readonly signIn?: { domain: string; clientId: string; scopes: string };

  constructor(scope: Construct, id: string, props: ComplaintsApiProps) {
    super(scope, id);
    this.fn = new NodeFunction(this, 'Api', {
      handlerName: 'api',
      logRetention: props.logRetention,
      description: 'Heed complaints API: list, get, acknowledge, resolve, stats',
      environment: { TABLE_NAME: props.table.tableName, SLA_POLICY: JSON.stringify(props.slaPolicy) },
    });
    grantItemActions(props.table, this.fn, 'GetItem', 'Query', 'UpdateItem');

    let authorizer: IHttpRouteAuthorizer;
    if (props.auth) {
      authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.auth.issuer, {
        jwtAudience: props.auth.audience,
      });
    } else {
      this.userPool = new UserPool(this, 'Users', {
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        mfa: Mfa.OPTIONAL,
        mfaSecondFactor: { otp: true, sms: false },
        passwordPolicy: {
          minLength: 12,
          requireDigits: true,
          requireLowercase: true,
          requireUppercase: true,
          requireSymbols: true,
        },
        featurePlan: FeaturePlan.ESSENTIALS,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // Scopes are granted through the OAuth endpoints (sign-in with PKCE, no client secret), under
      // the resource server `heed`: heed/read, heed/act.
      const scopes = SCOPES.map(
        (scopeName) =>
          new ResourceServerScope({
            scopeName,
            scopeDescription: scopeName === 'read' ? 'Read complaints and numbers' : 'Act on complaints',
          }),
      );
      // Who may act: a group per scope that needs one (routes.ts SCOPE_GROUPS); the token trigger
      // withholds a scope from users outside its group. Group names live inside the pool, and are
      // what an admin types: `aws cognito-idp admin-add-user-to-group --group-name responders`.
      for (const group of new Set(Object.values(SCOPE_GROUPS).filter((g) => g !== null)))
        this.userPool.addGroup(`Group${group}`, {
          groupName: group,
          description: `Heed: ${SCOPES.filter((s) => SCOPE_GROUPS[s] === group).join(', ')} scope(s)`,
        });
      this.preTokenFn = new NodeFunction(this, 'PreToken', {
        handlerName: 'pre-token',
        logRetention: props.logRetention,
        description: 'Heed sign-in: an access token carries only the scopes of the user’s groups',
        memorySize: 256,
        timeout: Duration.seconds(5),
      });
      this.userPool.addTrigger(
        UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
        this.preTokenFn,
        LambdaVersion.V2_0,
      );
      const resourceServer = this.userPool.addResourceServer('Scopes', {
        identifier: DEFAULT_SCOPE_PREFIX.replace(/\/$/, ''),
        scopes,
      });
      const domain = this.userPool.addDomain('SignIn', {
        cognitoDomain: { domainPrefix: `heed-${props.stage}-${Aws.ACCOUNT_ID}` },
      });
      const client = this.userPool.addClient('ApiClient', {
        authFlows: { userSrp: true },
        generateSecret: false,
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [
            OAuthScope.OPENID,
            OAuthScope.EMAIL,
            ...scopes.map((scope) => OAuthScope.resourceServer(resourceServer, scope)),
          ],
          callbackUrls: props.callbackUrls,
          logoutUrls: props.callbackUrls,
        },
        preventUserExistenceErrors: true,
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
      });
      this.signIn = {
        domain: domain.baseUrl(),
        clientId: client.userPoolClientId,
        scopes: ['openid', 'email', ...SCOPES.map((s) => `${DEFAULT_SCOPE_PREFIX}${s}`)].join(' '),
      };
      authorizer = new HttpUserPoolAuthorizer('UserPoolAuthorizer', this.userPool, {
        userPoolClients: [client],
      });
    }
    // Every route of the route table, behind the authorizer, each requiring its scope (heed/read,
    // heed/act): a token without it is refused 403 before the Lambda runs.
    const integration = new HttpLambdaIntegration('ApiIntegration', this.fn);
    const scopePrefix = props.auth?.scopePrefix ?? DEFAULT_SCOPE_PREFIX;
    for (const [key, route] of Object.entries(API_ROUTES)) {
      const { method, path } = methodAndPath(key as RouteKey);
      props.api.addRoutes({
        path,
        methods: [method as HttpMethod],
        integration,
        authorizer,
        authorizationScopes: [`${scopePrefix}${route.scope}`],
      });
    }
    // Any other path also needs a valid token (no route discovery without one); with it, the API
    // answers 404 as problem+json.
    new HttpRoute(this, 'Unmatched', {
      httpApi: props.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration,
      authorizer,
    });
  }

  bindTimers(stateMachine: IStateMachine): void {
    this.fn.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
    // Stops a complaint's timers on acknowledge/resolve; a triage correction that sets a new deadline
    // starts one planned from it.
    stateMachine.grantStartExecution(this.fn);
    stateMachine.grantExecution(this.fn, 'states:StopExecution');
  }
}
