import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmWidget,
  ComparisonOperator,
  Dashboard,
  type IMetric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { SlaPolicy } from '#core/sla/policy.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { grantPublish } from './data-key.ts';

export interface AlertingProps {
  audiences: StageConfig['audiences'];
  opsEmails: string[];
  slaPolicy: SlaPolicy;
  /** Encrypts the escalations topic (complaint text travels through it): DataKey. */
  encryptionKey: IKey;
}

/**
 * Which levels (as SNS `level` attribute values) reach `audience` over `channel`. The pre-breach
 * warning (level 0) goes where the first level goes.
 */
export function levelsFor(policy: SlaPolicy, audience: string, channel: 'email' | 'sms'): string[] {
  const levels = policy.levels
    .filter((l) => l.audience === audience && l.channels.includes(channel))
    .map((l) => String(l.level));
  const first = policy.levels[0]!;
  if (policy.warningAt !== null && first.audience === audience && first.channels.includes(channel))
    levels.unshift('0');
  return levels;
}

/** The escalation topic with one filtered subscription per person and channel, plus the ops alarm topic. */
export class Alerting extends Construct {
  readonly escalations: Topic;
  readonly ops: Topic;
  /** One graph per alarm: what the operator looks at first. */
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new TextWidget({
            markdown: '# Heed operations\nEvery alarm, as a graph. What to do: docs/RUNBOOK.md',
            width: 24,
            height: 2,
          }),
        ],
      ],
    });
    this.escalations = new Topic(this, 'Escalations', {
      displayName: 'Heed escalations',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch cannot use the AWS-managed SNS key, so alarms published to a topic under it are
    // dropped. The operations topic gets its own key whose policy lets CloudWatch encrypt for it.
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const account = Stack.of(this).account;
    const opsKey = new Key(this, 'OpsTopicKey', {
      description: 'Heed operations alarms topic: lets CloudWatch alarms publish encrypted',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    opsKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    this.ops = new Topic(this, 'OpsAlarms', {
      displayName: 'Heed operations alarms',
      masterKey: opsKey,
      enforceSSL: true,
    });
    this.ops.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.ops.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: {
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    for (const [audience, { emails, phones }] of Object.entries(props.audiences)) {
      for (const [channel, endpoints] of [
        ['email', emails],
        ['sms', phones],
      ] as const) {
        const levels = levelsFor(props.slaPolicy, audience, channel);
        if (levels.length === 0) continue;
        const filterPolicy = {
          audience: SubscriptionFilter.stringFilter({ allowlist: [audience] }),
          level: SubscriptionFilter.stringFilter({ allowlist: levels }),
        };
        for (const endpoint of endpoints) {
          this.escalations.addSubscription(
            channel === 'email'
              ? new EmailSubscription(endpoint, { filterPolicy })
              : new SmsSubscription(endpoint, { filterPolicy }),
          );
        }
      }
    }
    for (const email of props.opsEmails) this.ops.addSubscription(new EmailSubscription(email));
  }

  /** Lets a function page operations: publish on the ops topic, and exactly the key actions that needs. */
  grantOperationsPage(grantee: IGrantable): void {
    grantPublish(this.ops, grantee);
  }

  /** An alarm that pages ops as soon as `metric` is above zero. */
  alarmOnAnyOf(id: string, metric: IMetric, description: string): Alarm {
    return this.alarmAbove(id, metric, 0, description);
  }

  /**
   * An alarm that pages ops when `metric` exceeds `threshold`, with its runbook section in the
   * description (docs/RUNBOOK.md has one section per alarm id), and its graph on the dashboard.
   */
  alarmAbove(id: string, metric: IMetric, threshold: number, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `${description} Runbook: docs/RUNBOOK.md#${id.toLowerCase()}`,
    });
    alarm.addAlarmAction(new SnsAction(this.ops));
    this.dashboard.addWidgets(new AlarmWidget({ alarm, title: id, width: 8, height: 5 }));
    return alarm;
  }

  static readonly PERIOD = Duration.minutes(1);
}
