import { describe, expect, it } from 'vitest';
import { encryptionKeys, keyAuthorizations } from '../../lib/local/encryption.ts';
import { evaluate, type PolicyStatement } from '../../lib/local/iam.ts';
import { synthesizeTemplate } from '../../lib/local/synth.ts';
import { type PhysicalResource, TemplateResolver } from '../../lib/local/template.ts';

const table = 'arn:aws:dynamodb:us-east-1:000000000000:table/heed-Data';

describe('the twin’s IAM evaluation', () => {
  const statements: PolicyStatement[] = [
    {
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Query'],
      Resource: [table, `${table}/index/*`],
    },
    { Effect: 'Allow', Action: 'sqs:Send*', Resource: 'arn:aws:sqs:*:000000000000:heed-Events' },
  ];

  it('allows only the listed actions on the listed resources', () => {
    expect(evaluate(statements, { action: 'dynamodb:GetItem', resource: table })).toBe('allow');
    expect(evaluate(statements, { action: 'dynamodb:Query', resource: `${table}/index/byStatus` })).toBe(
      'allow',
    );
    expect(evaluate(statements, { action: 'dynamodb:PutItem', resource: table })).toBe('implicit-deny');
    expect(evaluate(statements, { action: 'dynamodb:GetItem', resource: `${table}2` })).toBe('implicit-deny');
  });

  it('matches wildcards in actions case-insensitively and in resources exactly', () => {
    const queue = 'arn:aws:sqs:us-east-1:000000000000:heed-Events';
    expect(evaluate(statements, { action: 'SQS:SendMessage', resource: queue })).toBe('allow');
    expect(evaluate(statements, { action: 'sqs:SendMessage', resource: queue.toLowerCase() })).toBe(
      'implicit-deny',
    );
    expect(evaluate(statements, { action: 'sqs:ReceiveMessage', resource: queue })).toBe('implicit-deny');
  });

  it('lets an explicit deny win over any allow', () => {
    const withDeny: PolicyStatement[] = [
      ...statements,
      { Effect: 'Deny', NotAction: 'dynamodb:Query', Resource: '*' },
    ];
    expect(evaluate(withDeny, { action: 'dynamodb:GetItem', resource: table })).toBe('explicit-deny');
    expect(evaluate(withDeny, { action: 'dynamodb:Query', resource: table })).toBe('allow');
  });

  it('grants under a condition only when the request carries matching keys, and never under an unknown operator', () => {
    const conditional: PolicyStatement[] = [
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: table,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['replay#*'] } },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:DeleteItem',
        Resource: table,
        Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '300' } },
      },
    ];
    const put = (keys: string[]) =>
      evaluate(conditional, {
        action: 'dynamodb:PutItem',
        resource: table,
        context: { 'dynamodb:LeadingKeys': keys },
      });
    expect(put(['replay#x'])).toBe('allow');
    expect(put(['complaint#1'])).toBe('implicit-deny');
    expect(evaluate(conditional, { action: 'dynamodb:DeleteItem', resource: table })).toBe('implicit-deny');
  });
});

describe('customer-managed keys in the twin', () => {
  const key = 'arn:aws:kms:us-east-1:000000000000:key/DataKey';
  const queue = 'arn:aws:sqs:us-east-1:000000000000:heed-Events';
  const topic = 'arn:aws:sns:us-east-1:000000000000:heed-Escalations';
  const keyOf = (arn: string) => ([table, queue, topic].includes(arn) ? key : undefined);
  const needs = (action: string, resource: string) =>
    keyAuthorizations([{ action, resource }], keyOf).map((a) => `${a.action} ${a.resource}`);

  it('asks for the key permissions each service documents, on the resource’s key', () => {
    expect(needs('sqs:SendMessage', queue)).toEqual([`kms:GenerateDataKey ${key}`, `kms:Decrypt ${key}`]);
    expect(needs('sqs:ReceiveMessage', queue)).toEqual([`kms:Decrypt ${key}`]);
    expect(needs('sqs:DeleteMessage', queue)).toEqual([]);
    expect(needs('sns:Publish', topic)).toEqual([`kms:GenerateDataKey ${key}`, `kms:Decrypt ${key}`]);
    expect(needs('dynamodb:Query', `${table}/index/byStatus`)).toEqual([`kms:Decrypt ${key}`]);
    expect(needs('dynamodb:UpdateItem', table)).toEqual([`kms:Decrypt ${key}`, `kms:Encrypt ${key}`]);
    // AWS-managed or no key: nothing more to allow.
    expect(needs('sqs:SendMessage', `${queue}2`)).toEqual([]);
  });

  it('finds the key of every encrypted queue, topic and table in the synthesized template', () => {
    const { template } = synthesizeTemplate();
    const physical = new Map<string, PhysicalResource>();
    for (const [id, r] of Object.entries(template.Resources)) {
      const service = r.Type.split('::')[1]!.toLowerCase();
      const arn = `arn:aws:${service}:us-east-1:000000000000:${service === 'kms' ? 'key/' : ''}${id}`;
      physical.set(id, { ref: arn, attributes: { Arn: arn } });
    }
    const keys = encryptionKeys(template, new TemplateResolver(physical), physical);
    const encrypted = Object.entries(template.Resources)
      .filter(([, r]) =>
        ['AWS::SQS::Queue', 'AWS::SNS::Topic', 'AWS::DynamoDB::GlobalTable'].includes(r.Type),
      )
      .map(([id]) => id);
    expect(encrypted.length).toBeGreaterThanOrEqual(6);
    for (const id of encrypted) expect(keys.get(physical.get(id)!.ref), id).toMatch(/^arn:aws:kms:/);
  });
});
