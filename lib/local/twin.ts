import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { type SecretKind, secretProblem } from '#core/platforms/secret-policy.ts';
import { SECRET_FIELDS, SECRET_SPECS, type SecretField } from '#core/sources.ts';
import { type Principal, startAwsGateway } from './aws-gateway.ts';
import { type LocalSecret, startAwsJsonServer } from './aws-json-server.ts';
import { startEventSource } from './event-source.ts';
import { type LocalRoute, startHttpServer } from './http-server.ts';
import { functionRoles, rolePolicies } from './iam.ts';
import { type AwsCredentials, functionArn, type LocalFunction, loadFunctions } from './lambda-runtime.ts';
import { LocalStepFunctions, type TaskHandler } from './step-functions.ts';
import { synthesizeTemplate } from './synth.ts';
import {
  type CfnTemplate,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type PhysicalResource,
  resourcesOfType,
  TemplateResolver,
} from './template.ts';

/** One value per secret field of the registered sources (core/sources.ts). */
export type TwinSecrets = Record<SecretField, string>;

export interface TwinOptions {
  port?: number;
  dataDir?: string;
  timeScale?: number;
  apiToken?: string;
  secrets?: Partial<TwinSecrets>;
  /** Extra CDK context for the synth, exactly like `cdk synth -c` (e.g. a `heed` configuration). */
  context?: Record<string, unknown>;
  /** Receives every human-readable line the twin prints (defaults to console.log). */
  log?: (line: string) => void;
}

export interface OutboxLine {
  complaintId: string;
  level: number;
  step: string;
  subject: string;
  message: string;
  publishedAt: string;
  attributes: Record<string, string>;
  topicArn: string;
}

export interface Twin {
  url: string;
  port: number;
  dataDir: string;
  outboxPath: string;
  apiToken: string;
  secrets: TwinSecrets;
  timeScale: number;
  stepFunctions: LocalStepFunctions;
  stateMachineArn: string;
  /** The credentials a function signs with (its execution role), by handler name, e.g. `ingest`. */
  credentialsOf(handlerName: string): AwsCredentials;
  /** Resolves with outbox lines as they are written (tests). */
  onOutbox(listener: (line: OutboxLine) => void): () => void;
  stop(): Promise<void>;
}

/** A random value of each kind, as the platform (or the team) would issue it. */
const GENERATE: Record<SecretKind, () => string> = {
  'platform-issued': () => randomText(50),
  'verify-token': () => randomText(32),
  'standard-webhooks': () => `whsec_${randomBytes(32).toString('base64')}`,
};

function randomText(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/**
 * The twin's webhook secrets: from the environment or options when given, otherwise random values made
 * on first start and kept (mode 0600) in the data directory, so restarts keep them. Weak values are
 * refused exactly as the deployed intake refuses them.
 */
export function twinSecrets(
  dataDir: string,
  given: Partial<TwinSecrets> = {},
  env: NodeJS.ProcessEnv = process.env,
): TwinSecrets {
  const file = path.join(dataDir, 'secrets.json');
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<TwinSecrets>) : {};
  const secrets = Object.fromEntries(
    SECRET_FIELDS.map((field) => {
      const { env: variable, kind } = SECRET_SPECS[field];
      const value = given[field] ?? env[variable] ?? kept[field] ?? GENERATE[kind]();
      const problem = secretProblem(kind, value);
      if (problem) throw new Error(`local twin: ${variable} ${problem}`);
      return [field, value];
    }),
  ) as TwinSecrets;
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** Maps a Task state to a local function: direct Lambda ARNs and the lambda:invoke integration. */
function taskHandlers(
  definition: Record<string, unknown>,
  functions: Map<string, LocalFunction>,
): Record<string, TaskHandler> {
  const byArn = new Map([...functions.values()].map((fn) => [fn.arn, fn]));
  const handlers: Record<string, TaskHandler> = {};
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state['Type'] === 'Task') {
        const resource = String(state['Resource']);
        const target = resource.startsWith('arn:aws:states:::lambda:invoke')
          ? String((state['Parameters'] as Record<string, unknown>)?.['FunctionName'])
          : resource;
        const fn = byArn.get(target.replace(/:(\$LATEST|\d+)$/, ''));
        if (!fn)
          throw new Error(`local twin: Task state ${name} calls ${resource}, which the twin cannot run`);
        handlers[name] = (input) => fn.invoke(input);
      }
      for (const branch of (state['Branches'] as
        | { States: Record<string, Record<string, unknown>> }[]
        | undefined) ?? [])
        visit(branch.States);
      const iterator = (state['ItemProcessor'] ?? state['Iterator']) as
        | { States: Record<string, Record<string, unknown>> }
        | undefined;
      if (iterator) visit(iterator.States);
    }
  };
  visit(definition['States'] as Record<string, Record<string, unknown>>);
  return handlers;
}

export async function startTwin(options: TwinOptions = {}): Promise<Twin> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = path.resolve(options.dataDir ?? process.env['HEED_DATA_DIR'] ?? '.heed');
  const timeScale = options.timeScale ?? Number(process.env['SLA_TIME_SCALE'] ?? 1);
  if (!(timeScale > 0)) throw new Error('SLA_TIME_SCALE must be a positive number');
  const clockEpoch = Date.now();
  const apiToken =
    options.apiToken ?? process.env['API_TOKEN'] ?? `heed-dev-${randomBytes(12).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true });
  const secrets = twinSecrets(dataDir, options.secrets);
  const outboxPath = path.join(dataDir, 'outbox.jsonl');
  const onError = (message: string, error: unknown) =>
    log(`! ${message}: ${(error as Error)?.message ?? error}`);

  const { template } = synthesizeTemplate(options.context);

  // Every emulator listens on the loopback interface only: nothing on the network can reach past the
  // signature checks by talking to a queue or table directly.
  const dynamo = dynalite({
    path: path.join(dataDir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve()));
  const dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  const fauxqs = buildApp({ logger: false });
  const fauxqsUrl = await fauxqs.listen({ port: 0, host: '127.0.0.1' });

  const stepFunctions = new LocalStepFunctions(path.join(dataDir, 'stepfunctions.json'), onError);
  const localSecrets: LocalSecret[] = [];
  const awsJson = await startAwsJsonServer(stepFunctions, localSecrets);
  const physical = new Map<string, PhysicalResource>();
  // Every AWS call, the twin's own and each function's, goes through the gateway, which checks it
  // against the caller's IAM policy from the template. The twin signs as itself (it provisions).
  const twinCredentials = { accessKeyId: `TWIN${randomBytes(8).toString('hex')}`, secretAccessKey: 'local' };
  const principals = new Map<string, Principal>([[twinCredentials.accessKeyId, { kind: 'twin' }]]);
  const gateway = await startAwsGateway({
    upstreams: {
      dynamodb: dynamoUrl,
      sqs: fauxqsUrl,
      sns: fauxqsUrl,
      states: awsJson.url,
      secretsmanager: awsJson.url,
    },
    principals,
    queueArn: (url) =>
      [...physical.values()].find((p) => p.attributes['QueueUrl'] === url)?.attributes['Arn'],
    secretArn: (id) => localSecrets.find((s) => s.arn === id || s.name === id)?.arn,
    onDenied: (message) => log(`! IAM: ${message}`),
  });
  // Tools and tests in this process (the SDK's default chain) act as the twin.
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: twinCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: twinCredentials.secretAccessKey,
    AWS_ENDPOINT_URL: gateway.url,
    SLA_TIME_SCALE: String(timeScale),
    HEED_CLOCK_EPOCH: String(clockEpoch),
  });
  for (const name of Object.keys(process.env))
    if (name.startsWith('AWS_ENDPOINT_URL_')) delete process.env[name];
  delete process.env['AWS_PROFILE'];
  delete process.env['AWS_SESSION_TOKEN'];
  const clientConfig = { region: LOCAL_REGION, credentials: twinCredentials, endpoint: gateway.url };
  const ddb = new DynamoDBClient(clientConfig);
  const sqs = new SQSClient({ ...clientConfig, useQueueUrlAsEndpoint: false });
  const sns = new SNSClient(clientConfig);

  const resolver = new TemplateResolver(physical);
  // Listen first: the API's URL is part of some functions' environment (acknowledge links).
  const routes: LocalRoute[] = [];
  const http = await startHttpServer(routes, {
    port: options.port ?? Number(process.env['PORT'] ?? 3000),
    apiToken,
  });
  const boundPort = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${boundPort}`;
  await provision(template, { physical, resolver, ddb, sqs, sns, secrets, localSecrets, apiUrl: url });

  // Each function signs with its own execution role's key; the gateway knows the role's statements.
  const policies = rolePolicies(template, resolver);
  const roles = functionRoles(template);
  const roleCredentials = (functionId: string): AwsCredentials => {
    const role = roles.get(functionId);
    if (!role) throw new Error(`local twin: function ${functionId} has no execution role`);
    const accessKeyId = `ROLE${role}`;
    principals.set(accessKeyId, {
      kind: 'role',
      arn: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${role}/${functionId}`,
      statements: policies.get(role) ?? [],
    });
    return { accessKeyId, secretAccessKey: 'local' };
  };
  const functions = await loadFunctions(template, resolver, {
    endpoint: gateway.url,
    credentials: roleCredentials,
    environment: {
      SLA_TIME_SCALE: String(timeScale),
      HEED_CLOCK_EPOCH: String(clockEpoch),
      // Functions log at INFO in AWS; the twin's terminal stays readable unless LOG_LEVEL asks for more.
      POWERTOOLS_LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'WARN',
      // CloudWatch EMF lines would only clutter the terminal; nothing collects them locally.
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  });
  let stateMachineArn = '';
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
    const definition = JSON.parse(resolver.string(resource.Properties?.['DefinitionString'])) as Record<
      string,
      unknown
    >;
    stateMachineArn = physical.get(logicalId)!.ref;
    stepFunctions.register(stateMachineArn, definition, taskHandlers(definition, functions));
  }

  const pollers = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, resource]) => {
    const props = resource.Properties ?? {};
    const queueArn = resolver.string(props['EventSourceArn']);
    const queue = [...physical.values()].find((p) => p.attributes['Arn'] === queueArn);
    const fn = functions.get(resolver.string(props['FunctionName']));
    if (!queue || !fn) throw new Error(`local twin: cannot map event source ${queueArn}`);
    return startEventSource({
      queueUrl: queue.ref,
      queueArn,
      batchSize: Number(props['BatchSize'] ?? 10),
      reportBatchItemFailures: ((props['FunctionResponseTypes'] as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      ),
      fn,
      // Lambda polls the queue with the function's execution role: a missing grant fails here too.
      sqs: new SQSClient({
        ...clientConfig,
        credentials: roleCredentials(fn.logicalId),
        useQueueUrlAsEndpoint: false,
      }),
      onError,
    });
  });

  const outboxListeners = new Set<(line: OutboxLine) => void>();
  const outbox = await startOutbox(template, {
    physical,
    sqs,
    sns,
    outboxPath,
    log,
    onError,
    listeners: outboxListeners,
  });

  routes.push(...httpRoutes(template, resolver, functions));
  const resumed = stepFunctions.resume();
  if (resumed) log(`Resumed ${resumed} SLA timer(s) from ${dataDir}`);

  return {
    url,
    port: boundPort,
    dataDir,
    outboxPath,
    apiToken,
    secrets,
    timeScale,
    stepFunctions,
    stateMachineArn,
    credentialsOf(handlerName) {
      const fn = [...functions.values()].find((f) => f.entry === `functions/handlers/${handlerName}.ts`);
      if (!fn) throw new Error(`local twin: no function runs handler ${handlerName}`);
      return roleCredentials(fn.logicalId);
    },
    onOutbox(listener) {
      outboxListeners.add(listener);
      return () => outboxListeners.delete(listener);
    },
    async stop() {
      await close(http);
      await Promise.all([...pollers, outbox].map((p) => p.stop()));
      stepFunctions.shutdown();
      await close(awsJson.server);
      await functions.stop();
      await close(gateway.server);
      await fauxqs.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}

interface ProvisionContext {
  physical: Map<string, PhysicalResource>;
  resolver: TemplateResolver;
  ddb: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  secrets: TwinSecrets;
  localSecrets: LocalSecret[];
  apiUrl: string;
}

/** Creates the template's tables, queues, topics and secrets on the emulators, as CloudFormation would. */
async function provision(template: CfnTemplate, ctx: ProvisionContext): Promise<void> {
  const { physical, resolver } = ctx;
  const arn = (service: string, rest: string) =>
    `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${rest}`;

  for (const [id] of resourcesOfType(template, 'AWS::Lambda::Function'))
    physical.set(id, { ref: id, attributes: { Arn: functionArn(id) } });
  for (const [id] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
    const machineArn = arn('states', `stateMachine:${id}`);
    physical.set(id, { ref: machineArn, attributes: { Arn: machineArn, Name: id } });
  }
  for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api')) {
    physical.set(id, { ref: 'local', attributes: { ApiId: 'local', ApiEndpoint: ctx.apiUrl } });
  }
  for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Integration'))
    physical.set(id, { ref: id, attributes: {} });

  for (const [id] of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
    const secretArn = arn('secretsmanager', `secret:${id}`);
    ctx.localSecrets.push({ arn: secretArn, name: id, value: JSON.stringify(ctx.secrets) });
    physical.set(id, { ref: secretArn, attributes: { Id: secretArn } });
  }

  for (const [id, resource] of [
    ...resourcesOfType(template, 'AWS::DynamoDB::GlobalTable'),
    ...resourcesOfType(template, 'AWS::DynamoDB::Table'),
  ]) {
    const p = resource.Properties ?? {};
    const TableName = `heed-${id}`;
    const gsis = ((p['GlobalSecondaryIndexes'] as Record<string, unknown>[] | undefined) ?? []).map((g) => ({
      IndexName: g['IndexName'],
      KeySchema: g['KeySchema'],
      Projection: g['Projection'] ?? { ProjectionType: 'ALL' },
    }));
    try {
      await ctx.ddb.send(
        new CreateTableCommand({
          TableName,
          KeySchema: p['KeySchema'] as never,
          AttributeDefinitions: p['AttributeDefinitions'] as never,
          BillingMode: 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes: gsis.length ? (gsis as never) : undefined,
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error; // kept from a previous run
    }
    const tableArn = arn('dynamodb', `table/${TableName}`);
    physical.set(id, {
      ref: TableName,
      attributes: { Arn: tableArn, StreamArn: `${tableArn}/stream/local` },
    });
  }

  // Dead-letter queues first: the queues that redrive to them need their ARNs.
  const queues = resourcesOfType(template, 'AWS::SQS::Queue').sort(
    ([, a], [, b]) =>
      Number(Boolean(a.Properties?.['RedrivePolicy'])) - Number(Boolean(b.Properties?.['RedrivePolicy'])),
  );
  for (const [id, resource] of queues) {
    const p = resource.Properties ?? {};
    const Attributes: Record<string, string> = {};
    for (const key of [
      'VisibilityTimeout',
      'MessageRetentionPeriod',
      'DelaySeconds',
      'ReceiveMessageWaitTimeSeconds',
      'MaximumMessageSize',
    ]) {
      if (p[key] !== undefined) Attributes[key] = String(p[key]);
    }
    if (p['RedrivePolicy'])
      Attributes['RedrivePolicy'] = JSON.stringify(resolver.resolve(p['RedrivePolicy']));
    const QueueName = `heed-${id}`;
    const { QueueUrl } = await ctx.sqs.send(new CreateQueueCommand({ QueueName, Attributes }));
    const { Attributes: attrs } = await ctx.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    physical.set(id, {
      ref: QueueUrl!,
      attributes: { Arn: attrs!['QueueArn']!, QueueName, QueueUrl: QueueUrl! },
    });
  }

  for (const [id] of resourcesOfType(template, 'AWS::SNS::Topic')) {
    const { TopicArn } = await ctx.sns.send(new CreateTopicCommand({ Name: `heed-${id}` }));
    physical.set(id, { ref: TopicArn!, attributes: { TopicArn: TopicArn!, TopicName: `heed-${id}` } });
  }
}

/** Subscribes a tap queue to every topic and writes what is published there to the outbox. */
async function startOutbox(
  template: CfnTemplate,
  ctx: {
    physical: Map<string, PhysicalResource>;
    sqs: SQSClient;
    sns: SNSClient;
    outboxPath: string;
    log: (line: string) => void;
    onError: (m: string, e: unknown) => void;
    listeners: Set<(line: OutboxLine) => void>;
  },
) {
  const { QueueUrl } = await ctx.sqs.send(new CreateQueueCommand({ QueueName: 'heed-local-outbox' }));
  const { Attributes } = await ctx.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  for (const [id] of resourcesOfType(template, 'AWS::SNS::Topic')) {
    await ctx.sns.send(
      new SubscribeCommand({
        TopicArn: ctx.physical.get(id)!.ref,
        Protocol: 'sqs',
        Endpoint: Attributes!['QueueArn'],
      }),
    );
  }
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const { Messages = [] } = await ctx.sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const m of Messages) {
          const envelope = JSON.parse(m.Body ?? '{}') as {
            Subject?: string;
            Message: string;
            Timestamp: string;
            TopicArn: string;
            MessageAttributes?: Record<string, { Value: string }>;
          };
          const attributes = Object.fromEntries(
            Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
          );
          const line: OutboxLine = {
            complaintId: attributes['complaintId'] ?? '',
            level: Number(attributes['level'] ?? 0),
            step: attributes['step'] ?? '',
            subject: envelope.Subject ?? '',
            message: envelope.Message,
            publishedAt: envelope.Timestamp,
            attributes,
            topicArn: envelope.TopicArn,
          };
          appendFileSync(ctx.outboxPath, `${JSON.stringify(line)}\n`);
          ctx.log(`\n📣 ${line.subject}\n${line.message.replace(/^/gm, '   ')}\n`);
          for (const listener of ctx.listeners) listener(line);
        }
        if (Messages.length) {
          await ctx.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch (error) {
        if (running) ctx.onError('outbox poll failed', error);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The HTTP API's routes, read from the template: route key, authorizer and integration target. */
function httpRoutes(
  template: CfnTemplate,
  resolver: TemplateResolver,
  functions: Map<string, LocalFunction>,
): LocalRoute[] {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([id, resource]) => {
    const p = resource.Properties ?? {};
    const [method, routePath] = String(p['RouteKey']).split(' ', 2) as [string, string];
    const integrationId = resolver.string(p['Target']).replace(/^integrations\//, '');
    const uri = resolver.string(template.Resources[integrationId]?.Properties?.['IntegrationUri']);
    const fn = [...functions.values()].find((f) => f.arn === uri);
    if (!fn) throw new Error(`local twin: route ${id} targets ${uri}, which the twin cannot run`);
    return { method, path: routePath, authorized: p['AuthorizationType'] === 'JWT', fn };
  });
}
