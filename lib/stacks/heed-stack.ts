import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { type CfnStage, CorsHttpMethod, HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { INTAKE_REVOKED_METRIC, METRICS_NAMESPACE, SECRET_MISSING_METRIC } from '#shared/metrics.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { Alerting } from '../constructs/alerting.ts';
import { ComplaintsApi } from '../constructs/complaints-api.ts';
import { ComplaintsTable } from '../constructs/complaints-table.ts';
import { ConsoleSite } from '../constructs/console-site.ts';
import { DataKey } from '../constructs/data-key.ts';
import { InteractionProcessor, PROCESSOR_TIMEOUT } from '../constructs/interaction-processor.ts';
import { Listening } from '../constructs/listening.ts';
import type { NodeFunction } from '../constructs/node-function.ts';
import { SlaTimers } from '../constructs/sla-timers.ts';
import { WebhookIntake } from '../constructs/webhook-intake.ts';

export interface HeedStackProps extends StackProps {
  config: StageConfig;
}

/** Composition only: every capability is one construct; this file wires them together. */
export class HeedStack extends Stack {
  constructor(scope: Construct, id: string, props: HeedStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;

    const api = new HttpApi(this, 'HttpApi', {
      description: `Heed (${config.stage}): webhooks and the complaints API`,
      // Browsers may call the API only from the configured origins (none by default); platforms and
      // the CLI are not browsers and need no CORS.
      corsPreflight: config.corsOrigins.length
        ? {
            allowOrigins: config.corsOrigins,
            allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH],
            allowHeaders: ['authorization', 'content-type', 'if-none-match'],
            allowCredentials: false,
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
    const accessLogs = new LogGroup(this, 'HttpApiAccessLogs', { retention: logRetention });
    const stage = api.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        error: '$context.error.message',
      }),
    };

    const { key: dataKey } = new DataKey(this, 'DataKey');
    const data = new ComplaintsTable(this, 'Data', { encryptionKey: dataKey });
    const alerting = new Alerting(this, 'Alerting', {
      encryptionKey: dataKey,
      audiences: config.audiences,
      opsEmails: config.opsEmails,
      slaPolicy: config.sla,
    });
    const intake = new WebhookIntake(this, 'WebhookIntake', {
      api,
      logRetention,
      maxBodyBytes: config.maxBodyBytes,
      acceptLegacyMetaSha1: config.acceptLegacyMetaSha1,
      consumerTimeout: PROCESSOR_TIMEOUT,
      webhookSecretName: config.webhookSecretName,
      reservedConcurrency: config.concurrency.ingest,
      encryptionKey: dataKey,
    });
    // A flood on the public routes is refused at the edge (429), before it reaches any Lambda.
    stage.defaultRouteSettings = {
      throttlingRateLimit: config.throttle.api.rate,
      throttlingBurstLimit: config.throttle.api.burst,
    };
    // RouteSettings is a plain JSON property in CloudFormation: its keys are written as CloudFormation spells them.
    stage.routeSettings = Object.fromEntries(
      intake.routeKeys.map((key) => [
        key,
        {
          ThrottlingRateLimit: config.throttle.webhooks.rate,
          ThrottlingBurstLimit: config.throttle.webhooks.burst,
        },
      ]),
    );
    const processor = new InteractionProcessor(this, 'InteractionProcessor', {
      queue: intake.queue,
      deadLetterQueue: intake.deadLetterQueue,
      alerting,
      table: data.table,
      logRetention,
      slaPolicy: config.sla,
      triage: config.triage,
      rawRetentionDays: config.rawRetentionDays,
      maxConcurrency: config.concurrency.processor,
    });
    const listening = new Listening(this, 'Listening', {
      config: config.listening,
      queue: intake.queue,
      table: data.table,
      alerting,
      logRetention,
      processor: processor.fn,
      ingest: intake.fn,
    });
    const consoleSite = new ConsoleSite(this, 'Console', { api });
    const timers = new SlaTimers(this, 'SlaTimers', {
      table: data.table,
      topic: alerting.escalations,
      consoleUrl: consoleSite.url,
      slaPolicy: config.sla,
      team: config.team,
      logRetention,
      reservedConcurrency: config.concurrency.slaStep,
    });
    const complaintsApi = new ComplaintsApi(this, 'ComplaintsApi', {
      api,
      table: data.table,
      logRetention,
      auth: config.auth,
      slaPolicy: config.sla,
      stage: config.stage,
      // The console signs in through the same client and comes back to itself.
      callbackUrls: [...config.signInCallbackUrls, `${consoleSite.url}/`],
    });
    consoleSite.publish({
      auth: complaintsApi.signIn ? { mode: 'cognito', ...complaintsApi.signIn } : { mode: 'token' },
      warningAt: config.sla.warningAt,
    });
    processor.bindTimers(timers.stateMachine);
    complaintsApi.bindTimers(timers.stateMachine);

    alerting.alarmOnAnyOf(
      'DeadLettersAlarm',
      intake.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Alerting.PERIOD }),
      'Webhook events wait in the DLQ (failed 5 times, or poison with a reason): inspect, fix, heed redrive.',
    );
    alerting.alarmAbove(
      'QueueAgeAlarm',
      intake.queue.metricApproximateAgeOfOldestMessage({ period: Alerting.PERIOD, statistic: 'Maximum' }),
      300,
      'A webhook event has waited over 5 minutes on the queue: processing is stuck or far behind, and SLA clocks start late.',
    );
    const functions: [string, NodeFunction][] = [
      ['Ingest', intake.fn],
      ['Processor', processor.fn],
      ['SlaStep', timers.fn],
      ['Api', complaintsApi.fn],
      ...listening.functions.map(({ name, fn }): [string, NodeFunction] => [name, fn]),
    ];
    for (const [name, fn] of functions) {
      alerting.alarmOnAnyOf(
        `${name}ErrorsAlarm`,
        fn.metricErrors({ period: Alerting.PERIOD }),
        `The ${name} Lambda reported errors.`,
      );
      alerting.alarmOnAnyOf(
        `${name}ThrottlesAlarm`,
        fn.metricThrottles({ period: Alerting.PERIOD }),
        `The ${name} Lambda was throttled (its reserved concurrency or the account limit).`,
      );
    }
    alerting.alarmOnAnyOf(
      'SlaTimerTimeoutsAlarm',
      timers.stateMachine.metricTimedOut({ period: Alerting.PERIOD }),
      'An SLA timer timed out: a complaint is no longer escalated.',
    );
    alerting.alarmOnAnyOf(
      'EscalationDeliveryFailuresAlarm',
      alerting.escalations.metricNumberOfNotificationsFailed({ period: Alerting.PERIOD }),
      'SNS could not deliver an escalation (SMS or email) to a subscriber.',
    );
    alerting.alarmOnAnyOf(
      'IntakeRevokedAlarm',
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: INTAKE_REVOKED_METRIC,
        dimensionsMap: { service: 'heed' },
        statistic: 'Sum',
        period: Alerting.PERIOD,
      }),
      'A platform stopped sending an account’s events (app revoked, permission removed, WhatsApp offboarding).',
    );
    alerting.alarmOnAnyOf(
      'SlaTimerFailuresAlarm',
      timers.stateMachine.metricFailed({ period: Alerting.PERIOD }),
      'An SLA timer gave up after hours of retries (e.g. an SNS outage): a complaint is no longer escalated.',
    );
    alerting.alarmOnAnyOf(
      'WebhookSecretMissingAlarm',
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: SECRET_MISSING_METRIC,
        dimensionsMap: { service: 'heed' },
        statistic: 'Sum',
        period: Alerting.PERIOD,
      }),
      'Secret not configured: a webhook request arrived for a source whose secret is absent or was refused as weak; that source answers 401 until it is set (SECURITY.md).',
    );

    new CfnOutput(this, 'ConsoleUrl', {
      value: consoleSite.url,
      description: 'The Heed console (sign in with a user of the pool; escalations link here)',
    });
    new CfnOutput(this, 'ApiUrl', {
      value: api.apiEndpoint,
      description: 'Base URL for webhooks and the complaints API',
    });
    new CfnOutput(this, 'WebhookSecretArn', {
      value: intake.secret.secretArn,
      description: 'Put the platform secrets here (JSON)',
    });
    new CfnOutput(this, 'EscalationTopicArn', { value: alerting.escalations.topicArn });
    if (listening.credentials)
      new CfnOutput(this, 'ListeningCredentialsArn', {
        value: listening.credentials.secretArn,
        description: 'Put the X bearer token and the Google OAuth credentials here (JSON)',
      });
    // For operators: re-processing a kept raw delivery and redriving the dead-letter queue.
    new CfnOutput(this, 'ComplaintsTableName', { value: data.table.tableName });
    new CfnOutput(this, 'IntakeQueueUrl', { value: intake.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueArn', { value: intake.deadLetterQueue.queueArn });
    // `heed reprocess` and `heed redrive` read these (HEED_TABLE_NAME, HEED_QUEUE_URL, HEED_DLQ_URL); the twin too.
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: intake.deadLetterQueue.queueUrl });
    if (complaintsApi.userPool)
      new CfnOutput(this, 'UserPoolId', {
        value: complaintsApi.userPool.userPoolId,
        description: 'Add your team here to call the API',
      });
  }
}
