import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLATFORMS, SOURCES } from '#core/sources.ts';
import { buildApp } from '../../lib/app.ts';
import { parseStageConfig } from '../../lib/config/stage-config.ts';
import { HANDLER_METADATA } from '../../lib/constructs/node-function.ts';
import { type CfnTemplate, TemplateResolver } from '../../lib/local/template.ts';

const validateAsl = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const heed = {
  stage: 'test',
  audiences: {
    team: { emails: ['team@brand.example'] },
    oncall: { emails: ['oncall@brand.example'], phones: ['+14155550100'] },
    manager: { emails: ['boss@brand.example'], phones: ['+14155550101'] },
  },
  opsEmails: ['ops@brand.example'],
};

let template: Template;
let raw: CfnTemplate;
let annotations: Annotations;

beforeAll(() => {
  // Full synth, with esbuild bundling every function and cdk-nag's AwsSolutions pack applied.
  const { app, stack } = buildApp({ context: { heed, 'cli-telemetry': false } });
  app.synth();
  template = Template.fromStack(stack);
  raw = template.toJSON() as CfnTemplate;
  annotations = Annotations.fromStack(stack);
}, 120_000);

describe('Heed stack', () => {
  it('has no unsuppressed cdk-nag AwsSolutions findings, and every suppression has a reason', () => {
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    const suppressions = Object.values(raw.Resources).flatMap(
      (r) =>
        (r.Metadata?.['cdk_nag'] as { rules_to_suppress?: { reason: string }[] } | undefined)
          ?.rules_to_suppress ?? [],
    );
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(40);
  });

  it('builds every function the one opinionated way', () => {
    const functions = Object.values(raw.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[HANDLER_METADATA],
    );
    expect(functions.map((f) => f.Metadata?.[HANDLER_METADATA]).sort()).toEqual([
      'functions/handlers/api.ts',
      'functions/handlers/ingest.ts',
      'functions/handlers/processor.ts',
      'functions/handlers/sla-step.ts',
    ]);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
      expect(fn.Properties?.['LoggingConfig']).toMatchObject({
        LogFormat: 'JSON',
        LogGroup: expect.anything(),
      });
      expect(fn.Properties?.['FunctionName']).toBeUndefined();
    }
    // One per function, the API's access logs and the state machine's execution logs: all with retention.
    template.resourceCountIs('AWS::Logs::LogGroup', 6);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });

  it('queues webhook events durably with a DLQ and a long enough visibility timeout', () => {
    const processor = Object.values(raw.Resources).find(
      (r) => r.Metadata?.[HANDLER_METADATA] === 'functions/handlers/processor.ts',
    )!;
    const timeout = processor.Properties?.['Timeout'] as number;
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: Match.anyValue(),
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    const main = Object.values(raw.Resources).find(
      (r) => r.Type === 'AWS::SQS::Queue' && r.Properties?.['RedrivePolicy'],
    )!;
    expect(main.Properties?.['VisibilityTimeout']).toBeGreaterThanOrEqual(6 * timeout);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    for (const q of Object.values(raw.Resources).filter((r) => r.Type === 'AWS::SQS::Queue'))
      expect(q.Properties?.['QueueName']).toBeUndefined();
  });

  it('stores complaints on demand with PITR, encryption and the query indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
      GlobalSecondaryIndexes: ['byStatus', 'byPlatform', 'byAuthor', 'byReceived', 'byConversation'].map(
        (IndexName) => Match.objectLike({ IndexName }),
      ),
    });
  });

  it('runs SLA timers on a valid Standard state machine', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
    });
    const [, machine] = Object.entries(raw.Resources).find(
      ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
    )!;
    const resolver = new TemplateResolver(
      new Map(
        Object.keys(raw.Resources).map((id) => [
          id,
          { ref: id, attributes: { Arn: `arn:aws:lambda:us-east-1:000000000000:function:${id}` } },
        ]),
      ),
    );
    const definition = JSON.parse(resolver.string(machine.Properties?.['DefinitionString']));
    const result = validateAsl(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
    expect(definition.States.WaitForNextStep).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds' });
  });

  it('subscribes each audience by email and SMS, filtered by level', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'team@brand.example',
      FilterPolicy: { audience: ['team'], level: ['0', '1'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sms',
      Endpoint: '+14155550100',
      FilterPolicy: { audience: ['oncall'], level: ['2'] },
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('alarms on the DLQ, queue age, Lambda errors and throttles, failed and timed-out timers, SNS delivery failures, revocations; each has its runbook section and a graph', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const metrics = alarms.map((a) => String(a['Properties']['MetricName']));
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Errors',
      'Throttles',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'NumberOfNotificationsFailed',
      'IntakeRevoked',
      'WebhookSecretMissing',
    ])
      expect(metrics).toContain(metric);
    const runbook = readFileSync(path.join(import.meta.dirname, '../../docs/RUNBOOK.md'), 'utf8');
    const sections = new Set([...runbook.matchAll(/^## (\w+)$/gm)].map((m) => m[1]!.toLowerCase()));
    for (const alarm of alarms) {
      const anchor = /RUNBOOK\.md#(\w+)/.exec(String(alarm['Properties']['AlarmDescription']))?.[1];
      expect(anchor && sections.has(anchor), String(alarm['Properties']['AlarmDescription'])).toBe(true);
      expect(alarm['Properties']['AlarmActions']).toHaveLength(1);
    }
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(
      JSON.stringify(dashboard!['Properties']['DashboardBody']).match(/alarm/g)!.length,
    ).toBeGreaterThanOrEqual(alarms.length);
  });

  it('outputs what operators need to re-process deliveries and redrive the DLQ', () => {
    const outputs = template.findOutputs('*');
    for (const name of [
      'ApiUrl',
      'ComplaintsTableName',
      'IntakeQueueUrl',
      'DeadLetterQueueArn',
      'DeadLetterQueueUrl',
    ])
      expect(outputs).toHaveProperty(name);
  });

  it('puts the complaints API behind a JWT authorizer and leaves only webhooks public', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT' });
    const routes = Object.values(raw.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    for (const route of routes) {
      const key = String(route.Properties?.['RouteKey']);
      expect([key, route.Properties?.['AuthorizationType'] ?? 'NONE']).toEqual([
        key,
        key.includes('/webhooks/') ? 'NONE' : 'JWT',
      ]);
    }
    expect(routes.map((r) => r.Properties?.['RouteKey']).sort()).toEqual([
      'GET /complaints',
      'GET /complaints/{id}',
      'GET /stats',
      'GET /webhooks/meta',
      'GET /webhooks/x',
      'PATCH /complaints/{id}',
      'POST /complaints/{id}/ack',
      'POST /complaints/{id}/resolve',
      'POST /webhooks/generic/{sender}',
      'POST /webhooks/meta',
      'POST /webhooks/x',
    ]);
  });
});

describe('stage configuration', () => {
  it('fills defaults', () => {
    const config = parseStageConfig({ stage: 'dev' });
    expect(config.sla.targets.x.high).toBe(30);
    expect(config.maxBodyBytes).toBe(1024 * 1024);
  });

  it.each([
    [{ stage: 'Prod!' }, 'heed.stage'],
    [{ stage: 'dev', audiences: { team: { phones: ['555-1234'] } } }, 'E.164'],
    [{ stage: 'dev', audiences: { team: { emails: ['not-an-email'] } } }, 'heed.audiences.team.emails.0'],
    [{ stage: 'dev', audiences: { team: {} } }, "names audience 'oncall'"],
    [{ stage: 'dev', sla: { warningAt: 2 } }, 'heed.sla'],
  ])('rejects %j with a message naming %s', (raw, expected) => {
    expect(() => parseStageConfig(raw)).toThrow(expected);
  });

  it('deploys no known webhook secret: only the verify token is generated, the rest stays absent', () => {
    expect(JSON.stringify(raw)).not.toMatch(/set-me/i);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'metaVerifyToken' },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WebhookSecretMissing',
      Namespace: 'Heed',
      AlarmActions: Match.anyValue(),
    });
  });

  it('encrypts the operations topic with a rotated key CloudWatch may use, and lets CloudWatch publish to it', () => {
    const [topicId, topic] = Object.entries(raw.Resources).find(
      ([, r]) => r.Type === 'AWS::SNS::Topic' && r.Properties?.['DisplayName'] === 'Heed operations alarms',
    )!;
    const keyId = (topic.Properties!['KmsMasterKeyId'] as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const key = raw.Resources[keyId]!;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties?.['EnableKeyRotation']).toBe(true);
    const keyStatements = (key.Properties!['KeyPolicy'] as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(keyStatements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
    // Every alarm pages through that topic.
    for (const alarm of Object.values(raw.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm'))
      expect(alarm.Properties?.['AlarmActions']).toEqual([{ Ref: topicId }]);
  });

  it('throttles the public routes at the stage and keeps concurrency for the SLA ladder', () => {
    const stage = Object.values(raw.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    expect(stage.Properties?.['DefaultRouteSettings']).toEqual({
      ThrottlingBurstLimit: 100,
      ThrottlingRateLimit: 50,
    });
    const settings = stage.Properties?.['RouteSettings'] as Record<string, unknown>;
    const webhookRoutes = Object.values(raw.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => String(r.Properties?.['RouteKey']))
      .filter((key) => key.includes('/webhooks/'));
    expect(Object.keys(settings).sort()).toEqual(webhookRoutes.sort());
    for (const key of webhookRoutes)
      expect(settings[key]).toEqual({ ThrottlingBurstLimit: 400, ThrottlingRateLimit: 200 });
    const reserved = (handler: string) =>
      Object.values(raw.Resources).find(
        (r) => r.Metadata?.[HANDLER_METADATA] === `functions/handlers/${handler}.ts`,
      )!.Properties?.['ReservedConcurrentExecutions'];
    expect([reserved('ingest'), reserved('sla-step')]).toEqual([50, 5]);
  });

  it('retries an SLA step with capped backoff for hours before the execution fails and pages ops', () => {
    const machine = Object.values(raw.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
    const resolver = new TemplateResolver(
      new Map(Object.keys(raw.Resources).map((id) => [id, { ref: id, attributes: { Arn: id } }])),
    );
    const definition = JSON.parse(resolver.string(machine.Properties?.['DefinitionString']));
    const retriers = definition.States.AdvanceSla.Retry as {
      ErrorEquals: string[];
      IntervalSeconds: number;
      BackoffRate: number;
      MaxAttempts: number;
      MaxDelaySeconds: number;
    }[];
    const last = retriers.at(-1)!;
    expect(last.ErrorEquals).toEqual(['States.ALL']);
    // The shortest possible total wait (no jitter): each delay doubles up to the cap.
    let total = 0;
    for (let attempt = 0; attempt < last.MaxAttempts; attempt++)
      total += Math.min(last.IntervalSeconds * last.BackoffRate ** attempt, last.MaxDelaySeconds);
    expect(total / 3600).toBeGreaterThan(8);
  });

  it('serves exactly the registered sources’ webhook routes, and targets for every registered platform', () => {
    const webhookRoutes = Object.values(raw.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => String(r.Properties?.['RouteKey']))
      .filter((key) => key.includes('/webhooks/'))
      .sort();
    expect(webhookRoutes).toEqual(
      Object.values(SOURCES)
        .flatMap((s) => s.methods.map((m) => `${m} ${s.path}`))
        .sort(),
    );
    const processor = Object.values(raw.Resources).find(
      (r) => r.Metadata?.[HANDLER_METADATA] === 'functions/handlers/processor.ts',
    )!;
    const policy = JSON.parse(
      (processor.Properties!['Environment'] as { Variables: Record<string, string> }).Variables[
        'SLA_POLICY'
      ]!,
    );
    expect(Object.keys(policy.targets)).toEqual(PLATFORMS);
  });
});
