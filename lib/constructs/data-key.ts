import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The DynamoDB actions Heed's code calls (each function is granted the few it uses). */
export type ItemAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem';
const WRITES: ReadonlySet<ItemAction> = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/**
 * The customer-managed key (rotated yearly) that encrypts everything Heed holds at rest that carries
 * customer words: the complaints table, the replay-id table, the intake queue and its DLQ, and the
 * escalations topic. A key of the team's own, rather than an AWS-managed one, means its key policy
 * and CloudTrail decide and show who can read complaints; it costs $1 a month plus requests (the
 * services cache data keys, so requests stay few). Retained on stack deletion with the data it guards.
 */
export class DataKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Heed data at rest: complaints, replay ids, intake queues, escalations',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
  }
}

/**
 * Grants exactly `actions` on a table and its indexes, and the key actions those need when the
 * table is under a customer-managed key: reads decrypt, writes also encrypt new data keys.
 */
export function grantItemActions(table: ITableV2, grantee: IGrantable, ...actions: ItemAction[]): void {
  table.grant(grantee, ...actions.map((a) => `dynamodb:${a}`));
  const writes = actions.some((a) => WRITES.has(a));
  table.encryptionKey?.grant(
    grantee,
    'kms:Decrypt',
    'kms:DescribeKey',
    ...(writes ? ['kms:Encrypt', 'kms:GenerateDataKey'] : []),
  );
}

/** Sending to a queue, and what SQS needs of its key to encrypt the message (no queue reads). */
export function grantSend(queue: IQueue, grantee: IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
  queue.encryptionMasterKey?.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
}

/** Publishing to a topic, and what SNS needs of its key to encrypt the message. */
export function grantPublish(topic: ITopic, grantee: IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }),
  );
  topic.masterKey?.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
}
