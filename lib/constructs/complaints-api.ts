import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi, HttpMethod, IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { FeaturePlan, Mfa, UserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { API_ROUTES, methodAndPath, type RouteKey } from '#api/routes.ts';
import type { SlaPolicy } from '#core/sla/policy.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { NodeFunction } from './node-function.ts';

export interface ComplaintsApiProps {
  api: HttpApi;
  table: ITableV2;
  logRetention: RetentionDays;
  auth: StageConfig['auth'];
  slaPolicy: SlaPolicy;
}

/** The team's API behind a JWT authorizer: an external OIDC issuer, or a Cognito user pool made here. */
export class ComplaintsApi extends Construct {
  readonly fn: NodeFunction;
  readonly userPool?: UserPool;

  constructor(scope: Construct, id: string, props: ComplaintsApiProps) {
    super(scope, id);
    this.fn = new NodeFunction(this, 'Api', {
      handlerName: 'api',
      logRetention: props.logRetention,
      description: 'Heed complaints API: list, get, acknowledge, resolve, stats',
      environment: { TABLE_NAME: props.table.tableName, SLA_POLICY: JSON.stringify(props.slaPolicy) },
    });
    props.table.grantReadWriteData(this.fn);

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
      const client = this.userPool.addClient('ApiClient', {
        authFlows: { userSrp: true },
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
      });
      authorizer = new HttpUserPoolAuthorizer('UserPoolAuthorizer', this.userPool, {
        userPoolClients: [client],
      });
    }
    // Every route of the route table, behind the authorizer; with an issuer that grants scopes, each
    // route requires its own (e.g. heed/read, heed/act).
    const integration = new HttpLambdaIntegration('ApiIntegration', this.fn);
    const scopePrefix = props.auth?.scopePrefix;
    for (const [key, route] of Object.entries(API_ROUTES)) {
      const { method, path } = methodAndPath(key as RouteKey);
      props.api.addRoutes({
        path,
        methods: [method as HttpMethod],
        integration,
        authorizer,
        authorizationScopes: scopePrefix ? [`${scopePrefix}${route.scope}`] : undefined,
      });
    }
  }

  bindTimers(stateMachine: IStateMachine): void {
    this.fn.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
    // Stops a complaint's timers on acknowledge/resolve; a triage correction that sets a new deadline
    // starts one planned from it.
    stateMachine.grantStartExecution(this.fn);
    stateMachine.grantExecution(this.fn, 'states:StopExecution');
  }
}
