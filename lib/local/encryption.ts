import type { Authorization } from './iam.ts';
import {
  type CfnTemplate,
  type PhysicalResource,
  resourcesOfType,
  type TemplateResolver,
} from './template.ts';

/**
 * Which customer-managed key encrypts each resource (queue, topic, table), read from the template.
 * Nothing local encrypts, but AWS refuses a call on such a resource when the caller may not use its
 * key, so the twin checks the same key permissions. AWS-managed keys (alias/aws/…) need no grant.
 */
export function encryptionKeys(
  template: CfnTemplate,
  resolver: TemplateResolver,
  physical: Map<string, PhysicalResource>,
): Map<string, string> {
  const keys = new Map<string, string>();
  const keyArn = (value: unknown) => {
    if (value === undefined) return undefined;
    const resolved = resolver.string(value);
    return resolved.startsWith('arn:') && resolved.includes(':key/') ? resolved : undefined;
  };
  const add = (resourceArn: string | undefined, key: string | undefined) => {
    if (resourceArn && key) keys.set(resourceArn, key);
  };
  for (const [id, r] of resourcesOfType(template, 'AWS::SQS::Queue'))
    add(physical.get(id)?.attributes['Arn'], keyArn(r.Properties?.['KmsMasterKeyId']));
  for (const [id, r] of resourcesOfType(template, 'AWS::SNS::Topic'))
    add(physical.get(id)?.ref, keyArn(r.Properties?.['KmsMasterKeyId']));
  for (const [id, r] of resourcesOfType(template, 'AWS::DynamoDB::GlobalTable')) {
    const replicas =
      (r.Properties?.['Replicas'] as { SSESpecification?: { KMSMasterKeyId?: unknown } }[]) ?? [];
    add(physical.get(id)?.attributes['Arn'], keyArn(replicas[0]?.SSESpecification?.KMSMasterKeyId));
  }
  return keys;
}

const DYNAMO_WRITES = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/;

/**
 * The key permissions a call needs besides its own action, as each service documents them: an SQS
 * producer needs kms:GenerateDataKey and kms:Decrypt, a consumer kms:Decrypt; an SNS publisher
 * kms:GenerateDataKey and kms:Decrypt; DynamoDB decrypts the table key for every call and encrypts
 * for writes.
 */
export function keyAuthorizations(
  authorizations: Authorization[],
  keyOf: (resourceArn: string) => string | undefined,
): Authorization[] {
  return authorizations.flatMap(({ action, resource }) => {
    const key = keyOf(resource.replace(/\/index\/.*$/, ''));
    if (!key) return [];
    const needs =
      action === 'sqs:SendMessage' || action === 'sns:Publish'
        ? ['kms:GenerateDataKey', 'kms:Decrypt']
        : action === 'sqs:ReceiveMessage'
          ? ['kms:Decrypt']
          : action.startsWith('dynamodb:')
            ? ['kms:Decrypt', ...(DYNAMO_WRITES.test(action) ? ['kms:Encrypt'] : [])]
            : [];
    return needs.map((need) => ({ action: need, resource: key }));
  });
}
