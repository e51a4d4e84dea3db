import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

const GSIS = [
  ['byStatus', 'gsi1pk', 'gsi1sk'],
  ['byPlatform', 'gsi2pk', 'gsi2sk'],
  ['byAuthor', 'gsi3pk', 'gsi3sk'],
  ['byReceived', 'gsi4pk', 'gsi4sk'],
  ['byConversation', 'gsi5pk', 'gsi5sk'],
] as const;

/** The complaints table: on-demand, point-in-time recovery, encrypted, retained on stack deletion. */
export class ComplaintsTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: GSIS.map(([indexName, pk, sk]) => ({
        indexName,
        partitionKey: { name: pk, type: AttributeType.STRING },
        sortKey: { name: sk, type: AttributeType.STRING },
      })),
    });
  }
}
