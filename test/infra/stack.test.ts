import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENCODER_DIR, encoderAssetSources } from '#adapters/sentence-encoder/files.ts';
import { TRIAGE_MODEL_DIR, TRIAGE_MODEL_SOURCE } from '#adapters/triage-model.ts';
import { API_ROUTES, methodAndPath, type RouteKey } from '#api/routes.ts';
import { PLATFORMS, SOURCES } from '#core/sources.ts';
import { buildApp } from '../../lib/app.ts';
import { parseStageConfig } from '../../lib/config/stage-config.ts';
import { apiPathPatterns } from '../../lib/constructs/console-site.ts';
import { PROCESSOR_MEMORY_MB, triageEnvironment } from '../../lib/constructs/interaction-processor.ts';
import { HANDLER_METADATA, lambdaBuildOptions, PROJECT_ROOT } from '../../lib/constructs/node-function.ts';
import { type CfnTemplate, TemplateResolver } from '../../lib/local/template.ts';
import { reachableActions } from '../support/sdk-actions.ts';

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
  // Every listener on, so every check below covers them too.
  listening: {
    feeds: [
      {
        id: 'alerts',
        url: 'https://www.google.com/alerts/feeds/0123/4567',
        brand: 'Acme',
        keywords: ['acme air'],
      },
    ],
    x: { keywords: ['acme', 'acme air'], brandHandles: ['acme'] },
    googleReviews: true,
  },
};

let template: Template;
let app: ReturnType<typeof buildApp>['app'];
let raw: CfnTemplate;
let annotations: Annotations;

beforeAll(() => {
  // Full synth, with esbuild bundling every function and cdk-nag's AwsSolutions pack applied.
  const built = buildApp({ context: { heed, 'cli-telemetry': false } });
  app = built.app;
  const { stack } = built;
  app.synth();
  template = Template.fromStack(stack);
  raw = template.toJSON() as CfnTemplate;
  annotations = Annotations.fromStack(stack);
}, 120_000);

describe('the processor bundle', () => {
  it('carries the sentence encoder and the triage model beside it and uses them from there, offline', () => {
    const processor = Object.values(raw.Resources).find(
      (r) => r.Metadata?.[HANDLER_METADATA] === 'functions/handlers/processor.ts',
    )!;
    expect(processor.Properties?.['MemorySize']).toBe(PROCESSOR_MEMORY_MB);
    // The code's S3 key is the asset's hash: asset.<hash> in the cloud assembly.
    const key = String((processor.Properties?.['Code'] as { S3Key?: string } | undefined)?.S3Key);
    const assetDir = path.join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const beside = readdirSync(path.join(assetDir, ENCODER_DIR)).sort();
    expect(beside).toEqual(
      encoderAssetSources()
        .map((f) => path.basename(f))
        .sort(),
    );
    expect(readdirSync(path.join(assetDir, TRIAGE_MODEL_DIR))).toEqual(['model.json']);
    // The weights and the triage model are files, not inlined into the JavaScript.
    expect(statSync(path.join(assetDir, 'index.mjs')).size).toBeLessThan(statSync(TRIAGE_MODEL_SOURCE).size);
    // The encoder, bundled as every function is (ESM, with the banner), loads from the folder
    // beside its bundle, with node_modules out of reach.
    const dir = mkdtempSync(path.join(tmpdir(), 'heed-encoder-bundle-'));
    buildSync({
      stdin: {
        contents:
          "import { sentenceEncoder } from '#adapters/sentence-encoder/encoder.ts';" +
          "import { loadTriageModel } from '#adapters/triage-model.ts';" +
          'const [v] = await (await sentenceEncoder()).embed(["hello world"]);' +
          'console.log(loadTriageModel().classify({ text: "@brand my refund never came, terrible" }).kind);' +
          'console.log(JSON.stringify(Array.from(v.slice(0, 2))));',
        resolveDir: PROJECT_ROOT,
        loader: 'ts',
      },
      // As NodeFunction bundles, for the Node that runs this test.
      ...lambdaBuildOptions(`node${process.versions.node.split('.')[0]}`),
      minify: false,
      outfile: path.join(dir, 'index.mjs'),
    });
    for (const folder of [ENCODER_DIR, TRIAGE_MODEL_DIR])
      cpSync(path.join(assetDir, folder), path.join(dir, folder), { recursive: true });
    const out = execFileSync(process.execPath, [path.join(dir, 'index.mjs')], { cwd: dir, encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    const lines = out.trim().split('\n');
    expect(lines.at(-2)).toBe('complaint');
    expect(JSON.parse(lines.at(-1)!)).toEqual([expect.closeTo(-0.0515, 3), expect.closeTo(-0.0549, 3)]);
  }, 60_000);
});

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
      'functions/handlers/listen-feeds.ts',
      'functions/handlers/listen-x.ts',
      'functions/handlers/pre-token.ts',
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
    template.resourceCountIs('AWS::Logs::LogGroup', 9);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });

  it('queues webhook events durably with a DLQ and a long enough visibility timeout', () => {
    const processor = Object.values(raw.Resources).find(
      (r) => r.Metadata?.[HANDLER_METADATA] === 'functions/handlers/processor.ts',
    )!;
    const timeout = processor.Properties?.['Timeout'] as number;
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: Match.anyValue(),
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    const main = Object.values(raw.Resources).find(
      (r) => r.Type === 'AWS::SQS::Queue' && r.Properties?.['RedrivePolicy'],
    )!;
    expect(main.Properties?.['VisibilityTimeout']).toBeGreaterThanOrEqual(6 * timeout);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
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
      GlobalSecondaryIndexes: [
        'byStatus',
        'byPlatform',
        'byAuthor',
        'byReceived',
        'byConversation',
        'byAssignee',
      ].map((IndexName) => Match.objectLike({ IndexName })),
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
        key.includes('/webhooks/') ? 'NONE' : 'JWT', // $default too: no route discovery without a token
      ]);
    }
    expect(routes.map((r) => r.Properties?.['RouteKey']).sort()).toEqual([
      '$default',
      'GET /complaints',
      'GET /complaints/export.csv',
      'GET /complaints/{id}',
      'GET /openapi.json',
      'GET /stats',
      'GET /webhooks/meta',
      'GET /webhooks/x',
      'PATCH /complaints/{id}',
      'POST /complaints/ack',
      'POST /complaints/{id}/ack',
      'POST /complaints/{id}/assign',
      'POST /complaints/{id}/reopen',
      'POST /complaints/{id}/resolve',
      'POST /webhooks/generic/{sender}',
      'POST /webhooks/google-business',
      'POST /webhooks/meta',
      'POST /webhooks/trustpilot/{token}',
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
    [{ stage: 'dev', triage: { complaintThreshold: 1 } }, 'heed.triage.complaintThreshold'],
  ])('rejects %j with a message naming %s', (raw, expected) => {
    expect(() => parseStageConfig(raw)).toThrow(expected);
  });

  it('passes a stage’s clock threshold to the processor, and the model’s own when none is set', () => {
    const processor = (props: object) =>
      triageEnvironment(parseStageConfig({ stage: 'dev', ...props }).triage);
    expect(processor({ triage: { complaintThreshold: 0.3 } })).toMatchObject({ COMPLAINT_THRESHOLD: '0.3' });
    expect(processor({})).not.toHaveProperty('COMPLAINT_THRESHOLD');
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
  it('polls the configured listeners on EventBridge Scheduler, alarms when one fails for an hour, and keeps their credentials apart', () => {
    const schedules = Object.values(raw.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules.map((s) => s.Properties?.['ScheduleExpression']).sort()).toEqual([
      'rate(15 minutes)',
      'rate(5 minutes)',
    ]);
    for (const schedule of schedules)
      expect((schedule.Properties!['Target'] as { RetryPolicy?: unknown }).RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: expect.any(Number),
        MaximumRetryAttempts: 0,
      });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ListenersFailing',
      Statistic: 'Maximum',
      Threshold: 0,
    });
    const environment = (entry: string) =>
      (
        Object.values(raw.Resources).find((r) => r.Metadata?.[HANDLER_METADATA] === entry)!.Properties![
          'Environment'
        ] as { Variables: Record<string, unknown> }
      ).Variables;
    expect(JSON.parse(String(environment('functions/handlers/listen-feeds.ts')['FEEDS']))).toHaveLength(1);
    expect(environment('functions/handlers/listen-x.ts')['X_API_URL']).toBe('https://api.x.com');
    expect(environment('functions/handlers/processor.ts')['CREDENTIALS_SECRET_ID']).toBeDefined();
    expect(environment('functions/handlers/ingest.ts')['GOOGLE_CERTS_URL']).toBe(
      'https://www.googleapis.com/oauth2/v3/certs',
    );
    template.hasOutput('ListeningCredentialsArn', {});
  });

  it('creates no listener, schedule or credentials when listening is not configured', () => {
    const { stack } = buildApp({
      context: { heed: { ...heed, listening: undefined }, 'cli-telemetry': false },
    });
    const plain = Template.fromStack(stack);
    plain.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(Object.keys(plain.findResources('AWS::SecretsManager::Secret'))).toHaveLength(1);
  });
});

describe('least privilege', () => {
  /** Services whose APIs accept no resource-level permissions: the only actions allowed on "*". */
  const ONLY_ON_ANY_RESOURCE =
    /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|DeleteLogDelivery|DescribeLogGroups|DescribeResourcePolicies|GetLogDelivery|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery))$/;
  /** What Lambda's SQS poller calls with the function's role (AWS Lambda developer guide). */
  const SQS_POLLING = [
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    'sqs:ChangeMessageVisibility',
    'sqs:GetQueueAttributes',
  ];
  /** Key use that SQS, SNS and DynamoDB make on the caller's behalf for a customer-managed key. */
  const KEY_USE = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

  type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
  const statementsOf = (roleId: string): Statement[] =>
    Object.values(raw.Resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.['Roles']).includes(`"${roleId}"`),
      )
      .flatMap((r) => (r.Properties!['PolicyDocument'] as { Statement: Statement[] }).Statement);
  const actionsOf = (s: Statement) => [s.Action].flat();

  it('grants "*" only to actions that accept no resource, and no wildcard actions', () => {
    // CDK's own BucketDeployment (publishing the console at deploy time, never at run time) is the
    // one role Heed's code does not write: its s3:GetObject* family is CDK's, and cdk-nag's
    // suppression in console-site.ts names it. Everything Heed's functions run with is checked.
    const isCdkBucketDeployment = (r: { Properties?: Record<string, unknown> }) =>
      JSON.stringify(r.Properties?.['Roles']).includes('CustomCDKBucketDeployment');
    const statements = Object.values(raw.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && !isCdkBucketDeployment(r))
      .flatMap((r) => (r.Properties!['PolicyDocument'] as { Statement: Statement[] }).Statement);
    expect(
      Object.values(raw.Resources).filter((r) => r.Type === 'AWS::IAM::Policy' && isCdkBucketDeployment(r)),
    ).toHaveLength(1);
    for (const s of statements) {
      for (const action of actionsOf(s)) expect(action, 'a wildcard action').not.toMatch(/\*/);
      if ([s.Resource].flat().includes('*'))
        for (const action of actionsOf(s)) expect(action).toMatch(ONLY_ON_ANY_RESOURCE);
    }
  });

  it("grants each function only the AWS actions its own code calls (and its queue poller's)", async () => {
    const functions = Object.values(raw.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[HANDLER_METADATA],
    );
    const polled = new Set(
      Object.values(raw.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
        .map((r) => JSON.stringify(r.Properties?.['FunctionName'])),
    );
    const report: Record<string, { granted: string[]; unused: string[] }> = {};
    for (const fn of functions) {
      const entry = String(fn.Metadata?.[HANDLER_METADATA]);
      const roleId = (fn.Properties!['Role'] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      const fnId = Object.entries(raw.Resources).find(([, r]) => r === fn)![0];
      const allowed = new Set([
        ...(await reachableActions(entry)),
        ...KEY_USE,
        ...(polled.has(JSON.stringify({ Ref: fnId })) ? SQS_POLLING : []),
      ]);
      const granted = statementsOf(roleId)
        .flatMap(actionsOf)
        .filter((a) => !ONLY_ON_ANY_RESOURCE.test(a));
      report[entry] = { granted, unused: granted.filter((a) => !allowed.has(a)) };
    }
    expect(Object.values(report).flatMap((r) => r.unused)).toEqual([]);
    // The table's writes are split by need: only the processor deletes; the API never puts.
    expect(report['functions/handlers/api.ts']!.granted).not.toContain('dynamodb:PutItem');
    expect(report['functions/handlers/processor.ts']!.granted).toContain('dynamodb:DeleteItem');
    for (const { granted } of Object.values(report)) {
      expect(granted).not.toContain('dynamodb:Scan');
      expect(granted).not.toContain('dynamodb:BatchWriteItem');
    }
  }, 60_000);

  it('encrypts the table, queues and escalations under a customer-managed key with rotation', () => {
    const keys = Object.entries(raw.Resources).filter(([, r]) => r.Type === 'AWS::KMS::Key');
    for (const [, key] of keys) expect(key.Properties?.['EnableKeyRotation']).toBe(true);
    const isKey = (ref: unknown) =>
      keys.some(([id]) => JSON.stringify(ref) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
    for (const r of Object.values(raw.Resources)) {
      if (r.Type === 'AWS::SQS::Queue' || r.Type === 'AWS::SNS::Topic')
        expect(isKey(r.Properties?.['KmsMasterKeyId'])).toBe(true);
      if (r.Type === 'AWS::DynamoDB::GlobalTable')
        for (const replica of r.Properties!['Replicas'] as {
          SSESpecification: { KMSMasterKeyId: unknown };
        }[])
          expect(isKey(replica.SSESpecification.KMSMasterKeyId)).toBe(true);
    }
  });

  it('requires, on every API route, a JWT carrying that route’s scope; webhooks stay public', () => {
    for (const route of Object.values(raw.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')) {
      const key = String(route.Properties?.['RouteKey']);
      if (key.includes('/webhooks/') || key === '$default') {
        expect(route.Properties?.['AuthorizationScopes']).toBeUndefined();
        if (key === '$default') expect(route.Properties?.['AuthorizationType']).toBe('JWT');
        continue;
      }
      expect(route.Properties?.['AuthorizationType']).toBe('JWT');
      expect(route.Properties?.['AuthorizationScopes']).toEqual([
        `heed/${API_ROUTES[key as RouteKey].scope}`,
      ]);
    }
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'heed',
      Scopes: [Match.objectLike({ ScopeName: 'read' }), Match.objectLike({ ScopeName: 'act' })],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: Match.arrayWith([Match.objectLike({})]),
    });
    // Reading and acting are separate per user: the access token trigger (V2, which needs the
    // Essentials plan) withholds heed/act from users outside the responders group.
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'responders' });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'ESSENTIALS',
      LambdaConfig: {
        PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: Match.anyValue() },
      },
    });
  });

  it('serves the console from a private bucket through CloudFront, with the API on the same origin', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const cdn = Object.values(raw.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!;
    const config = cdn.Properties!['DistributionConfig'] as {
      DefaultRootObject: string;
      CacheBehaviors: { PathPattern: string; AllowedMethods: string[] }[];
    };
    expect(config.DefaultRootObject).toBe('index.html');
    // Every API route is reachable through the distribution (derived from the route table).
    const patterns = config.CacheBehaviors.map((b) => b.PathPattern);
    expect(patterns.sort()).toEqual(apiPathPatterns().sort());
    for (const key of Object.keys(API_ROUTES)) {
      const { path: routePath } = methodAndPath(key as RouteKey);
      expect([
        key,
        patterns.some((p) => (p.endsWith('*') ? routePath.startsWith(p.slice(0, -1)) : routePath === p)),
      ]).toEqual([key, true]);
    }
    // A CSP that names the sign-in domain, and a sign-in that comes back to the console.
    const csp = JSON.stringify(
      Object.values(raw.Resources).find((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy')!
        .Properties,
    );
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain('amazoncognito.com');
    const client = Object.values(raw.Resources).find((r) => r.Type === 'AWS::Cognito::UserPoolClient')!;
    expect(JSON.stringify(client.Properties!['CallbackURLs'])).toContain('DomainName');
    // Escalations link to the console.
    const step = Object.values(raw.Resources).find(
      (r) => r.Metadata?.[HANDLER_METADATA] === 'functions/handlers/sla-step.ts',
    )!;
    expect(JSON.stringify(step.Properties!['Environment'])).toMatch(/CONSOLE_URL.*https:\/\/.*DomainName/);
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DistributionPaths: ['/index.html', '/config.json'],
    });
  });

  it('sends no CORS headers unless origins are configured, and never a wildcard', () => {
    const api = Object.values(raw.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Api')!;
    expect(api.Properties?.['CorsConfiguration']).toBeUndefined();
    expect(() => parseStageConfig({ stage: 'x', corsOrigins: ['*'] })).toThrow();
    expect(() => parseStageConfig({ stage: 'x', corsOrigins: ['https://*.brand.example'] })).toThrow();
    const { app, stack } = buildApp({
      context: { heed: { ...heed, corsOrigins: ['https://console.brand.example'] }, 'cli-telemetry': false },
    });
    app.synth();
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://console.brand.example'],
        AllowCredentials: false,
      }),
    });
  }, 120_000);
});
