import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENCODER_DIR, encoderAssetSources } from '#adapters/sentence-encoder/files.ts';
import { TRIAGE_MODEL_DIR, TRIAGE_MODEL_SOURCE } from '#adapters/triage-model.ts';
import type { SlaPolicy } from '#core/sla/policy.ts';
import type { StageConfig } from '../config/stage-config.ts';
import type { Alerting } from './alerting.ts';
import { grantItemActions, grantSend } from './data-key.ts';
import { NodeFunction } from './node-function.ts';

export const PROCESSOR_TIMEOUT = Duration.seconds(30);
export const PROCESSOR_MEMORY_MB = 1024;

export interface InteractionProcessorProps {
  queue: IQueue;
  /** Where a record that can never be processed goes at once, with its reason. */
  deadLetterQueue: IQueue;
  /** Pages operations about intake itself (a platform revoked the app). */
  alerting: Alerting;
  table: ITableV2;
  logRetention: RetentionDays;
  slaPolicy: SlaPolicy;
  triage: StageConfig['triage'];
  /** How long raw deliveries are kept for re-processing. */
  rawRetentionDays: number;
  /** At most this many batches at once (the event source's maximum concurrency). */
  maxConcurrency: number;
}

/** The processor's triage settings, as its environment (functions/handlers/processor.ts reads them). */
export function triageEnvironment(triage: StageConfig['triage']): Record<string, string> {
  return {
    THREAD_WINDOW_MINUTES: String(triage.threadWindowMinutes),
    VIP_AUTHORS: JSON.stringify(triage.vipAuthors),
    // Unset: the shipped model's own operating point.
    ...(triage.complaintThreshold === undefined
      ? {}
      : { COMPLAINT_THRESHOLD: String(triage.complaintThreshold) }),
  };
}

/** Queue → processor Lambda (normalize, classify, dedupe, store, start the SLA timer). */
export class InteractionProcessor extends Construct {
  readonly fn: NodeFunction;

  constructor(scope: Construct, id: string, props: InteractionProcessorProps) {
    super(scope, id);
    this.fn = new NodeFunction(this, 'Processor', {
      handlerName: 'processor',
      logRetention: props.logRetention,
      description: 'Heed processor: normalize, classify, dedupe, store, start SLA timers',
      timeout: PROCESSOR_TIMEOUT,
      // The sentence encoder: ~300 MB resident (npm run bench), and memory buys CPU for embedding.
      memorySize: PROCESSOR_MEMORY_MB,
      // The models are files beside the bundle, read at the first batch rather than at every init.
      besideBundle: [
        { folder: ENCODER_DIR, files: encoderAssetSources() },
        { folder: TRIAGE_MODEL_DIR, files: [TRIAGE_MODEL_SOURCE] },
      ],
      environment: {
        TABLE_NAME: props.table.tableName,
        SLA_POLICY: JSON.stringify(props.slaPolicy),
        ...triageEnvironment(props.triage),
        RAW_RETENTION_DAYS: String(props.rawRetentionDays),
        DLQ_URL: props.deadLetterQueue.queueUrl,
        OPS_TOPIC_ARN: props.alerting.ops.topicArn,
      },
    });
    grantItemActions(props.table, this.fn, 'GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem');
    grantSend(props.deadLetterQueue, this.fn);
    props.alerting.grantOperationsPage(this.fn);
    // The mapping by hand rather than SqsEventSource, whose grant adds sqs:GetQueueUrl, which
    // Lambda's poller never calls: exactly the four actions (and the key use) polling needs.
    new EventSourceMapping(this, 'Events', {
      target: this.fn,
      eventSourceArn: props.queue.queueArn,
      batchSize: 10,
      maxBatchingWindow: Duration.seconds(1),
      maxConcurrency: props.maxConcurrency,
      reportBatchItemFailures: true,
    });
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueAttributes',
        ],
        resources: [props.queue.queueArn],
      }),
    );
    props.queue.encryptionMasterKey?.grant(this.fn, 'kms:Decrypt');
  }

  /** The timer it starts is created after it (the state machine needs the API URL), hence a bind step. */
  bindTimers(stateMachine: IStateMachine): void {
    this.fn.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
    // Starts a complaint's timer; stops them when a brand reply acknowledges the thread.
    stateMachine.grantStartExecution(this.fn);
    stateMachine.grantExecution(this.fn, 'states:StopExecution');
  }
}
