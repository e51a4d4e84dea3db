import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LISTENER_FAILING_METRIC, METRICS_NAMESPACE } from '#shared/metrics.ts';
import type { ListeningConfig } from '../config/stage-config.ts';
import type { Alerting } from './alerting.ts';
import { grantItemActions, grantSend } from './data-key.ts';
import { NodeFunction } from './node-function.ts';

export interface ListeningProps {
  config: ListeningConfig;
  queue: IQueue;
  table: ITableV2;
  alerting: Alerting;
  logRetention: RetentionDays;
  /** The processor: it fetches the Google reviews the notifications name. */
  processor: NodeFunction;
  /** Webhook intake: it verifies Google's push tokens against Google's keys. */
  ingest: NodeFunction;
}

/**
 * Listening (README § Listening): scheduled pollers that hear what nobody addressed to the brand —
 * RSS/Atom feeds and X keyword search — and enqueue it on the intake queue (same triage, threading
 * and SLA as a webhook). Each poller exists only when configured. Also the credentials the pollers
 * and the Google review fetch use, and the alarm on a listener failing for an hour.
 */
export class Listening extends Construct {
  readonly functions: { name: string; fn: NodeFunction }[] = [];
  readonly credentials?: ISecret;

  constructor(scope: Construct, id: string, props: ListeningProps) {
    super(scope, id);
    const { config } = props;
    props.ingest.addEnvironment('GOOGLE_CERTS_URL', config.endpoints.googleCerts);

    if (config.x || config.googleReviews)
      this.credentials = config.credentialsSecretName
        ? Secret.fromSecretNameV2(this, 'Credentials', config.credentialsSecretName)
        : new Secret(this, 'Credentials', {
            description:
              'Heed listening credentials, JSON: {"xBearerToken": "…", "google": {"clientId": "…", "clientSecret": "…", "refreshToken": "…"}} (README § Listening).',
            // Empty until the team puts the credentials in (a poller without them fails, and backs off).
            secretObjectValue: {},
          });

    if (config.feeds.length > 0) {
      const fn = this.poller('listen-feeds', 'FeedPoller', props, {
        FEEDS: JSON.stringify(config.feeds),
        INTERVAL_MINUTES: String(config.feedIntervalMinutes),
      });
      this.schedule('FeedSchedule', fn, config.feedIntervalMinutes, 'Heed: poll the RSS/Atom feeds');
    }
    if (config.x) {
      const fn = this.poller('listen-x', 'XSearch', props, {
        X_SEARCH: JSON.stringify(config.x),
        X_API_URL: config.endpoints.xApi,
        CREDENTIALS_SECRET_ID: this.credentials!.secretArn,
      });
      this.grantReadCredentials(fn);
      this.schedule(
        'XSearchSchedule',
        fn,
        config.x.intervalMinutes,
        'Heed: X recent search for the brand keywords',
      );
    }
    if (config.googleReviews) {
      props.processor.addEnvironment('CREDENTIALS_SECRET_ID', this.credentials!.secretArn);
      props.processor.addEnvironment('GOOGLE_TOKEN_URL', config.endpoints.googleToken);
      props.processor.addEnvironment('GOOGLE_BUSINESS_API_URL', config.endpoints.googleBusinessApi);
      this.grantReadCredentials(props.processor);
    }
    if (this.functions.length > 0)
      props.alerting.alarmOnAnyOf(
        'ListenerFailingAlarm',
        new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: LISTENER_FAILING_METRIC,
          dimensionsMap: { service: 'heed' },
          statistic: 'Maximum',
          period: Duration.minutes(15),
        }),
        'A feed or the X keyword search has failed every poll for an hour: nothing is heard from it.',
      );
  }

  /** Only GetSecretValue, the one call Powertools Parameters makes (grantRead adds DescribeSecret). */
  private grantReadCredentials(fn: NodeFunction) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.credentials!.secretArn],
      }),
    );
  }

  private poller(
    handlerName: string,
    id: string,
    props: ListeningProps,
    environment: Record<string, string>,
  ) {
    const fn = new NodeFunction(this, id, {
      handlerName,
      logRetention: props.logRetention,
      description: `Heed listener: ${handlerName}`,
      timeout: Duration.seconds(60),
      memorySize: 256,
      environment: { TABLE_NAME: props.table.tableName, QUEUE_URL: props.queue.queueUrl, ...environment },
    });
    grantItemActions(props.table, fn, 'GetItem', 'PutItem');
    grantSend(props.queue, fn);
    this.functions.push({ name: id, fn });
    return fn;
  }

  private schedule(id: string, fn: NodeFunction, minutes: number, description: string) {
    new Schedule(this, id, {
      description,
      schedule: ScheduleExpression.rate(Duration.minutes(minutes)),
      // A missed poll is not retried: the next one reads everything since the checkpoint.
      target: new LambdaInvoke(fn, { retryAttempts: 0, maxEventAge: Duration.minutes(minutes) }),
    });
  }
}
