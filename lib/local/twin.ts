import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { type StageResources, TWIN_RESOURCES_FILE } from '../cli/stage-resources.ts';
import { type GatewayOptions, type Principal, startAwsGateway } from './aws-gateway.ts';
import { type LocalSecret, startAwsJsonServer } from './aws-json-server.ts';
import { consoleFiles, slaPolicyOf } from './console-files.ts';
import { queueJournalObserver } from './durable-queues.ts';
import { DynamoTransactions } from './dynamo-transactions.ts';
import { encryptionKeys } from './encryption.ts';
import { startEventSource } from './event-source.ts';
import { httpRoutes, localTokens } from './http-routes.ts';
import { type LocalRoute, type LocalToken, startHttpServer } from './http-server.ts';
import { functionRoles, rolePolicies } from './iam.ts';
import { type AwsCredentials, loadFunctions } from './lambda-runtime.ts';
import { type ListeningSamples, sampleListeningConfig, startListeningSamples } from './listening-samples.ts';
import { type OutboxLine, startOutbox } from './outbox.ts';
import { provision } from './provision.ts';
import { QueueJournal, queueName } from './queue-journal.ts';
import { startSchedules } from './schedules.ts';
import { type TwinSecrets, twinSecrets } from './secrets.ts';
import { taskHandlers } from './state-machine-tasks.ts';
import { LocalStepFunctions, type RateQuota } from './step-functions.ts';
import { stageContext, synthesizeTemplate } from './synth.ts';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type PhysicalResource,
  resourcesOfType,
  TemplateResolver,
} from './template.ts';

export type { OutboxLine } from './outbox.ts';
export { type TwinSecrets, twinSecrets } from './secrets.ts';

/**
 * The local twin: synthesizes the CDK app, provisions its template on emulators, runs each function
 * in its own environment under its own IAM role, and serves the template's routes. This file only
 * orchestrates; each part lives in its own module (ARCHITECTURE.md § The local twin).
 */
export interface TwinOptions {
  port?: number;
  dataDir?: string;
  timeScale?: number;
  /** Grants every scope (read and act); API_TOKEN, or random. */
  apiToken?: string;
  /** Grants the read scope only (a viewer); API_READ_TOKEN, or random. */
  readToken?: string;
  secrets?: Partial<TwinSecrets>;
  /** Extra CDK context for the synth, exactly like `cdk synth -c` (e.g. a `heed` configuration). */
  context?: Record<string, unknown>;
  /** Tests only: injected AWS faults and function crashes (test/faults). */
  faults?: GatewayOptions['faults'];
  /** Tests only: how each allowed AWS call was answered (see GatewayOptions.onAnswer). */
  onAnswer?: GatewayOptions['onAnswer'];
  /** StartExecution's rate quota (defaults to AWS's, START_EXECUTION_QUOTA); the storm suite tightens it. */
  startExecutionQuota?: RateQuota;
  /** Tests only: the queues' visibility timeout, so a crashed batch comes back quickly. */
  visibilityTimeoutSeconds?: number;
  /** Receives every human-readable line the twin prints (defaults to console.log). */
  log?: (line: string) => void;
  /**
   * Listening against local servers that answer as the platforms document (lib/local/listening-samples.ts):
   * `seeded` starts with a few entries and posts to hear (`heed start`), `empty` with none (tests). Off
   * by default, and whenever the stage configures its own `heed.listening`.
   */
  listening?: 'seeded' | 'empty';
  /** Every schedule fires this often instead of its rate (tests; HEED_SCHEDULE_SECONDS). */
  scheduleEverySeconds?: number;
  /**
   * Tests only: keep the tables in memory rather than under the data directory, so they do not
   * survive a restart. The 10,000-message fault run uses it: on disk, dynalite's LevelDB grew to
   * 26 GB there and served items older than writes it had acknowledged (docs/RELIABILITY.md).
   */
  tablesInMemory?: boolean;
  /**
   * Benchmarks only: `false` leaves every queue's event source off (as an `Enabled: false` mapping
   * would), so what is sent stays queued and no consumer competes for the cores (bench/ingest.ts).
   */
  eventSources?: boolean;
}

export interface Twin {
  url: string;
  port: number;
  dataDir: string;
  outboxPath: string;
  apiToken: string;
  readToken: string;
  secrets: TwinSecrets;
  timeScale: number;
  stepFunctions: LocalStepFunctions;
  stateMachineArn: string;
  /** The credentials a function signs with (its execution role), by handler name, e.g. `ingest`. */
  credentialsOf(handlerName: string): AwsCredentials;
  /** A function's environment as the template resolves it, by handler name (benchmarks run handlers outside the twin). */
  environmentOf(handlerName: string): Record<string, string>;
  /** Invocations, duration and cold starts of each function so far, by handler name (benchmarks: the cost model). */
  functionUsage(): Record<
    string,
    { invocations: number; durationMs: number; coldStarts: number; memoryMB: number }
  >;
  /** AWS calls the functions and the twin have made, by `<caller> <service>:<operation>` (tests, benchmarks). */
  awsCalls: ReadonlyMap<string, number>;
  /** The local platform servers listening runs against, when it does (TwinOptions.listening). */
  listening?: ListeningSamples;
  /** Resolves with outbox lines as they are written (tests). */
  onOutbox(listener: (line: OutboxLine) => void): () => void;
  stop(): Promise<void>;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function startTwin(options: TwinOptions = {}): Promise<Twin> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = path.resolve(options.dataDir ?? process.env['HEED_DATA_DIR'] ?? '.heed');
  const timeScale = options.timeScale ?? Number(process.env['SLA_TIME_SCALE'] ?? 1);
  if (!(timeScale > 0)) throw new Error('SLA_TIME_SCALE must be a positive number');
  const clockEpoch = Date.now();
  const apiToken =
    options.apiToken ?? process.env['API_TOKEN'] ?? `heed-dev-${randomBytes(12).toString('hex')}`;
  const readToken =
    options.readToken ?? process.env['API_READ_TOKEN'] ?? `heed-read-${randomBytes(12).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true });
  const secrets = twinSecrets(dataDir, options.secrets);
  const outboxPath = path.join(dataDir, 'outbox.jsonl');
  const onError = (message: string, error: unknown) =>
    log(`! ${message}: ${(error as Error)?.message ?? error}`);

  const context = stageContext(options.context);
  const stage = (context['heed'] ?? {}) as Record<string, unknown>;
  const listening =
    options.listening && stage['listening'] === undefined
      ? await startListeningSamples({ seed: options.listening === 'seeded' })
      : undefined;
  if (listening) context['heed'] = { ...stage, listening: sampleListeningConfig(listening.url) };
  const { template } = synthesizeTemplate(context);

  // Every emulator listens on the loopback interface only: nothing on the network can reach past the
  // signature checks by talking to a queue or table directly.
  const dynamo = dynalite({
    ...(options.tablesInMemory ? {} : { path: path.join(dataDir, 'dynamodb') }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve()));
  const dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  const fauxqs = buildApp({ logger: false });
  const fauxqsUrl = await fauxqs.listen({ port: 0, host: '127.0.0.1' });

  const stepFunctions = new LocalStepFunctions(
    path.join(dataDir, 'stepfunctions.json'),
    onError,
    options.startExecutionQuota,
  );
  const localSecrets: LocalSecret[] = [];
  const awsJson = await startAwsJsonServer(stepFunctions, localSecrets);
  const physical = new Map<string, PhysicalResource>();
  // Every AWS call, the twin's own and each function's, goes through the gateway, which checks it
  // against the caller's IAM policy from the template. The twin signs as itself (it provisions).
  const twinCredentials = { accessKeyId: `TWIN${randomBytes(8).toString('hex')}`, secretAccessKey: 'local' };
  const principals = new Map<string, Principal>([[twinCredentials.accessKeyId, { kind: 'twin' }]]);
  // The SQS emulator keeps messages in memory; this journal under the data directory makes the
  // template's queues survive a crash (kill -9) of the twin: nothing answered 200 is lost.
  const journal = new QueueJournal(path.join(dataDir, 'queues.jsonl'));
  const journaledQueues = new Set<string>();
  let keysOfResources = new Map<string, string>();
  let crashFunction: (functionId: string, environmentId: string | undefined) => void = () => {};
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
    encryptionKey: (resourceArn) => keysOfResources.get(resourceArn),
    transactions: new DynamoTransactions(dynamoUrl),
    onDenied: (message) => log(`! IAM: ${message}`),
    observer: queueJournalObserver(journal, () => journaledQueues),
    faults: options.faults,
    onAnswer: options.onAnswer,
    onCrash: (functionId, environmentId) => crashFunction(functionId, environmentId),
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
  const tokens: LocalToken[] = [];
  let ready = false;
  // The console (when built: npm run build) signs in with the twin's API token, and reads the SLA
  // clock as the functions do (sped up by SLA_TIME_SCALE from the twin's start).
  const staticFiles = consoleFiles({
    auth: { mode: 'token' },
    warningAt: slaPolicyOf(template)?.warningAt ?? null,
    clock: { scale: timeScale, epoch: clockEpoch },
  });
  const http = await startHttpServer(routes, {
    port: options.port ?? Number(process.env['PORT'] ?? 3000),
    tokens,
    isReady: () => ready,
    staticFiles: () => staticFiles,
  });
  const boundPort = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${boundPort}`;
  await provision(template, {
    physical,
    resolver,
    ddb,
    sqs,
    sns,
    // The listening credentials live in their own secret; every local secret holds all fields.
    secrets: { ...secrets, ...listening?.credentials },
    localSecrets,
    apiUrl: url,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
  });
  keysOfResources = encryptionKeys(template, resolver, physical);
  const queueUrls = new Map(
    resourcesOfType(template, 'AWS::SQS::Queue').map(([id]) => [
      queueName(physical.get(id)!.ref),
      physical.get(id)!.ref,
    ]),
  );
  for (const name of queueUrls.keys()) journaledQueues.add(name);
  const recovered = await requeue(journal, queueUrls, sqs);
  if (recovered) log(`Recovered ${recovered} queued message(s) from ${dataDir}`);

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
      // The twin serves the console itself (CloudFront's part): escalations link here.
      CONSOLE_URL: url,
      // Functions log at INFO in AWS; the twin's terminal stays readable unless LOG_LEVEL asks for more.
      POWERTOOLS_LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'WARN',
      // CloudWatch EMF lines would only clutter the terminal; nothing collects them locally.
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  });
  crashFunction = (functionId, environmentId) => functions.get(functionId)?.crash(environmentId);
  let stateMachineArn = '';
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
    const definition = JSON.parse(resolver.string(resource.Properties?.['DefinitionString'])) as Record<
      string,
      unknown
    >;
    stateMachineArn = physical.get(logicalId)!.ref;
    stepFunctions.register(stateMachineArn, definition, taskHandlers(definition, functions));
  }

  const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, resource]) => options.eventSources !== false && resource.Properties?.['Enabled'] !== false,
  );
  const pollers = mappings.map(([, resource]) => {
    const props = resource.Properties ?? {};
    const queueArn = resolver.string(props['EventSourceArn']);
    const queue = [...physical.values()].find((p) => p.attributes['Arn'] === queueArn);
    const fn = functions.get(resolver.string(props['FunctionName']));
    if (!queue || !fn) throw new Error(`local twin: cannot map event source ${queueArn}`);
    // Lambda refuses this mapping (a batch still running would be delivered again meanwhile).
    const queueProps = Object.entries(template.Resources).find(([id]) => physical.get(id) === queue)?.[1]
      .Properties;
    const visibility = options.visibilityTimeoutSeconds ?? Number(queueProps?.['VisibilityTimeout'] ?? 30);
    if (visibility < fn.timeoutSeconds)
      throw new Error(
        `local twin: queue visibility timeout ${visibility} s is less than function timeout ${fn.timeoutSeconds} s (${fn.logicalId}), which Lambda refuses`,
      );
    return startEventSource({
      queueUrl: queue.ref,
      queueArn,
      batchSize: Number(props['BatchSize'] ?? 10),
      maximumConcurrency: (props['ScalingConfig'] as { MaximumConcurrency?: number } | undefined)
        ?.MaximumConcurrency,
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

  // The operator tools (heed reprocess, heed redrive) reach this twin through the stack's outputs.
  const output = (name: string) => resolver.string(template.Outputs?.[name]?.Value);
  writeFileSync(
    path.join(dataDir, TWIN_RESOURCES_FILE),
    JSON.stringify({
      tableName: output('ComplaintsTableName'),
      queueUrl: output('IntakeQueueUrl'),
      deadLetterQueueUrl: output('DeadLetterQueueUrl'),
      client: { region: LOCAL_REGION, endpoint: gateway.url, credentials: twinCredentials },
      api: { url, token: apiToken },
    } satisfies StageResources),
    { mode: 0o600 },
  );
  routes.push(...httpRoutes(template, resolver, functions));
  tokens.push(...localTokens(routes, apiToken, readToken));
  ready = true;
  const everySeconds =
    options.scheduleEverySeconds ?? Number(process.env['HEED_SCHEDULE_SECONDS'] || Number.NaN);
  const schedules = startSchedules(template, functions, {
    everyMs: everySeconds > 0 ? everySeconds * 1000 : undefined,
    onError,
  });
  const resumed = stepFunctions.resume();
  if (resumed) log(`Resumed ${resumed} SLA timer(s) from ${dataDir}`);

  const functionOf = (handlerName: string) => {
    const fn = [...functions.values()].find((f) => f.entry === `functions/handlers/${handlerName}.ts`);
    if (!fn) throw new Error(`local twin: no function runs handler ${handlerName}`);
    return fn;
  };

  return {
    url,
    port: boundPort,
    dataDir,
    outboxPath,
    apiToken,
    readToken,
    secrets,
    timeScale,
    stepFunctions,
    stateMachineArn,
    awsCalls: gateway.calls,
    functionUsage() {
      return Object.fromEntries(
        [...functions.values()].map((f) => [
          path.basename(f.entry, '.ts'),
          { ...f.usage, memoryMB: f.memorySize },
        ]),
      );
    },
    credentialsOf(handlerName) {
      return roleCredentials(functionOf(handlerName).logicalId);
    },
    environmentOf(handlerName) {
      return { ...functionOf(handlerName).environment };
    },
    onOutbox(listener) {
      outboxListeners.add(listener);
      return () => outboxListeners.delete(listener);
    },
    listening,
    async stop() {
      await schedules.stop();
      await listening?.stop();
      await close(http);
      await Promise.all([...pollers, outbox].map((p) => p.stop()));
      stepFunctions.shutdown();
      await close(awsJson.server);
      await functions.stop();
      await close(gateway.server);
      await fauxqs.close();
      journal.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}

/**
 * Sends again what the previous run's queues held (waiting or in flight when it died), through the
 * gateway so each is journaled anew; the old entry is forgotten only once its copy is on disk.
 */
async function requeue(
  journal: QueueJournal,
  queueUrls: Map<string, string>,
  sqs: SQSClient,
): Promise<number> {
  let count = 0;
  for (const { id, queue, message } of journal.recover()) {
    const QueueUrl = queueUrls.get(queue);
    if (!QueueUrl) continue; // a queue the template no longer has
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: message.MessageBody,
        MessageAttributes: message.MessageAttributes as SendMessageCommand['input']['MessageAttributes'],
      }),
    );
    journal.forget(id);
    count++;
  }
  return count;
}
