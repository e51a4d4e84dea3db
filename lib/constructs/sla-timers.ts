import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  Choice,
  Condition,
  DefinitionBody,
  JitterType,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { SlaPolicy } from '#core/sla/policy.ts';
import { grantItemActions, grantPublish } from './data-key.ts';
import { NodeFunction } from './node-function.ts';

export interface SlaTimersProps {
  table: ITableV2;
  topic: ITopic;
  /** The console (escalations link to the complaint's page there). */
  consoleUrl: string;
  slaPolicy: SlaPolicy;
  team: string;
  logRetention: RetentionDays;
  /** Concurrency kept for the ladder whatever else runs (a webhook flood cannot starve it), or null. */
  reservedConcurrency: number | null;
}

/**
 * How long a step is retried before the execution fails (and the failed-timer alarm pages ops): an SNS
 * or DynamoDB outage of hours must delay escalation, never end it silently.
 */
export const SLA_STEP_RETRY = {
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxDelay: Duration.minutes(10),
  maxAttempts: 60,
} as const;

/** State names the local twin maps to handlers; keep them stable. */
export const SLA_STATES = {
  step: 'AdvanceSla',
  wait: 'WaitForNextStep',
  done: 'Done',
  choice: 'LadderFinished',
} as const;

/**
 * One Standard execution per complaint: AdvanceSla fires whatever is due (warning, L1, L2…) and returns
 * how long to wait for the next step; the loop ends when the complaint is acknowledged or the ladder is done.
 * The schedule lives in the domain (SLA policy), so the definition never changes when the policy does.
 */
export class SlaTimers extends Construct {
  readonly stateMachine: StateMachine;
  readonly fn: NodeFunction;

  constructor(scope: Construct, id: string, props: SlaTimersProps) {
    super(scope, id);
    this.fn = new NodeFunction(this, 'Step', {
      handlerName: 'sla-step',
      logRetention: props.logRetention,
      description: 'Heed SLA timer step: notify what is due, plan the next wait',
      reservedConcurrentExecutions: props.reservedConcurrency ?? undefined,
      environment: {
        TABLE_NAME: props.table.tableName,
        TOPIC_ARN: props.topic.topicArn,
        SLA_POLICY: JSON.stringify(props.slaPolicy),
        CONSOLE_URL: props.consoleUrl,
        TEAM: props.team,
      },
    });
    grantItemActions(props.table, this.fn, 'GetItem', 'Query', 'PutItem', 'UpdateItem');
    grantPublish(props.topic, this.fn);

    const step = new LambdaInvoke(this, SLA_STATES.step, {
      lambdaFunction: this.fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    step.addRetry({
      errors: ['States.ALL'],
      ...SLA_STEP_RETRY,
      jitterStrategy: JitterType.FULL,
    });
    const wait = new Wait(this, SLA_STATES.wait, { time: WaitTime.secondsPath('$.waitSeconds') });
    const definition = step.next(
      new Choice(this, SLA_STATES.choice)
        .when(Condition.booleanEquals('$.done', true), new Succeed(this, SLA_STATES.done))
        .otherwise(wait.next(step)),
    );
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'ExecutionLogs', {
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
    });
  }
}
