import { describe, expect, it } from 'vitest';
import { evaluate, type PolicyStatement } from '../../lib/local/iam.ts';

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
