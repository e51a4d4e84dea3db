import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { SECRET_FIELDS, SOURCES } from '#core/sources.ts';
import { WEBHOOK_ROUTE_SUPPRESSION } from '../nag-suppressions.ts';
import { grantItemActions, grantSend } from './data-key.ts';
import { NodeFunction } from './node-function.ts';

export interface WebhookIntakeProps {
  api: HttpApi;
  logRetention: RetentionDays;
  maxBodyBytes: number;
  acceptLegacyMetaSha1: boolean;
  /** Visibility timeout of the queue: at least six times the consumer's timeout (AWS guidance). */
  consumerTimeout: Duration;
  webhookSecretName?: string;
  /** Reserved concurrency of the ingest function (a cap on what a flood can take), or null. */
  reservedConcurrency: number | null;
  /** Encrypts the queues and the replay-id table (DataKey). */
  encryptionKey: IKey;
}

/** Public webhook routes → ingest Lambda (verify, split, enqueue) → durable queue with a DLQ. */
export class WebhookIntake extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly fn: NodeFunction;
  readonly secret: ISecret;
  /** Standard Webhooks message ids accepted within their replay window. */
  readonly replayTable: TableV2;
  /** `METHOD /path` of every public webhook route (for stage throttling). */
  readonly routeKeys: string[] = [];

  constructor(scope: Construct, id: string, props: WebhookIntakeProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new Queue(this, 'Events', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.secret = props.webhookSecretName
      ? Secret.fromSecretNameV2(this, 'WebhookSecrets', props.webhookSecretName)
      : new Secret(this, 'WebhookSecrets', {
          description: `Heed webhook secrets, JSON with ${SECRET_FIELDS.join(', ')} (a list during a rotation). A field left out answers 401 and raises the secret-missing alarm (SECURITY.md).`,
          // No placeholders: the platform-issued secrets stay absent (fail closed) until a team puts
          // them in; the verify token, which the team chooses, is random.
          generateSecretString: {
            secretStringTemplate: '{}',
            generateStringKey: 'metaVerifyToken',
            excludePunctuation: true,
            passwordLength: 40,
          },
        });
    this.replayTable = new TableV2(this, 'ReplayIds', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.customerManagedKey(props.encryptionKey),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fn = new NodeFunction(this, 'Ingest', {
      handlerName: 'ingest',
      logRetention: props.logRetention,
      description: 'Heed webhook intake: verify, split, enqueue',
      timeout: Duration.seconds(8),
      reservedConcurrentExecutions: props.reservedConcurrency ?? undefined,
      environment: {
        REPLAY_TABLE_NAME: this.replayTable.tableName,
        QUEUE_URL: this.queue.queueUrl,
        WEBHOOK_SECRET_ARN: this.secret.secretArn,
        MAX_BODY_BYTES: String(props.maxBodyBytes),
        META_ACCEPT_LEGACY_SHA1: String(props.acceptLegacyMetaSha1),
      },
    });
    grantSend(this.queue, this.fn);
    // Reading the value is all it does (the secret is under the AWS-managed Secrets Manager key). A
    // secret named in the configuration is known by its name only: its ARN ends in six random characters.
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.webhookSecretName ? `${this.secret.secretArn}-??????` : this.secret.secretArn],
      }),
    );
    grantItemActions(this.replayTable, this.fn, 'PutItem', 'UpdateItem');

    const integration = new HttpLambdaIntegration('IngestIntegration', this.fn);
    // One public route per registered source (core/sources.ts).
    for (const { path, methods } of Object.values(SOURCES)) {
      const routes = props.api.addRoutes({ path, methods: methods.map((m) => HttpMethod[m]), integration });
      this.routeKeys.push(...methods.map((method) => `${method} ${path}`));
      for (const route of routes) NagSuppressions.addResourceSuppressions(route, [WEBHOOK_ROUTE_SUPPRESSION]);
    }
  }
}
