import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { WEBHOOK_ROUTE_SUPPRESSION } from '../nag-suppressions.ts';
import { NodeFunction } from './node-function.ts';

export interface WebhookIntakeProps {
  api: HttpApi;
  logRetention: RetentionDays;
  maxBodyBytes: number;
  acceptLegacyMetaSha1: boolean;
  /** Visibility timeout of the queue: at least six times the consumer's timeout (AWS guidance). */
  consumerTimeout: Duration;
  webhookSecretName?: string;
}

/** Public webhook routes → ingest Lambda (verify, split, enqueue) → durable queue with a DLQ. */
export class WebhookIntake extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly fn: NodeFunction;
  readonly secret: ISecret;

  constructor(scope: Construct, id: string, props: WebhookIntakeProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new Queue(this, 'Events', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.secret = props.webhookSecretName
      ? Secret.fromSecretNameV2(this, 'WebhookSecrets', props.webhookSecretName)
      : new Secret(this, 'WebhookSecrets', {
          description:
            'Heed webhook secrets: {"xConsumerSecret","metaAppSecret","metaVerifyToken","genericWebhookSecret"}; lists allowed during rotation',
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ xConsumerSecret: 'set-me', metaAppSecret: 'set-me' }),
            generateStringKey: 'metaVerifyToken',
            excludePunctuation: true,
          },
        });
    this.fn = new NodeFunction(this, 'Ingest', {
      handlerName: 'ingest',
      logRetention: props.logRetention,
      description: 'Heed webhook intake: verify, split, enqueue',
      timeout: Duration.seconds(8),
      environment: {
        QUEUE_URL: this.queue.queueUrl,
        WEBHOOK_SECRET_ARN: this.secret.secretArn,
        MAX_BODY_BYTES: String(props.maxBodyBytes),
        META_ACCEPT_LEGACY_SHA1: String(props.acceptLegacyMetaSha1),
      },
    });
    this.queue.grantSendMessages(this.fn);
    this.secret.grantRead(this.fn);

    const integration = new HttpLambdaIntegration('IngestIntegration', this.fn);
    for (const [path, methods] of [
      ['/webhooks/x', [HttpMethod.GET, HttpMethod.POST]],
      ['/webhooks/meta', [HttpMethod.GET, HttpMethod.POST]],
      ['/webhooks/generic/{source}', [HttpMethod.POST]],
    ] as const) {
      const routes = props.api.addRoutes({ path, methods: [...methods], integration });
      for (const route of routes) NagSuppressions.addResourceSuppressions(route, [WEBHOOK_ROUTE_SUPPRESSION]);
    }
  }
}
