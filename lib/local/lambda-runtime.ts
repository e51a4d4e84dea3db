import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HANDLER_METADATA, PROJECT_ROOT } from '../constructs/node-function.ts';
import {
  type CfnTemplate,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  resourcesOfType,
  type TemplateResolver,
} from './template.ts';

export interface LocalFunction {
  logicalId: string;
  arn: string;
  entry: string;
  timeoutSeconds: number;
  environment: Record<string, string>;
  /** How many invocations may run at once: the template's reserved concurrency, capped by the twin. */
  maxConcurrency: number;
  invoke(event: unknown): Promise<unknown>;
  /** What it has run so far: invocations and their billed-like duration (ms, each rounded up), cold starts. */
  usage: { invocations: number; durationMs: number; coldStarts: number };
  /** Its memory setting (MB), as Lambda bills it. */
  memorySize: number;
  /**
   * Kills an execution environment now (tests): the one whose SDK calls carry `environmentId` in
   * their user agent, or every busy one. Its in-flight invocation fails; its next one starts cold.
   */
  crash(environmentId?: string): void;
}

/**
 * Environments per function the twin will run at once (Lambda's own cap is the account's
 * concurrency): each is a thread with its own module graph, so a burst scales out as in AWS without
 * one machine running out of memory.
 */
export const TWIN_MAX_ENVIRONMENTS = 8;

/** Each environment's SDK clients add `app/<id>` to their user agent, so the twin knows who called. */
export function environmentOfUserAgent(userAgent: string): string | undefined {
  return /\bapp\/(env-\d+)\b/.exec(userAgent)?.[1];
}
let environmentCount = 0;

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RuntimeOptions {
  /** The endpoint every SDK client of every function uses (the twin's IAM-checking gateway). */
  endpoint: string;
  /** The credentials of a function's execution role. */
  credentials(functionLogicalId: string): AwsCredentials;
  /** Variables the twin adds to every function (its clock, log level). */
  environment: Record<string, string>;
}

export interface LocalFunctions extends Map<string, LocalFunction> {
  stop(): Promise<void>;
}

export function functionArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

const WORKER = path.join(PROJECT_ROOT, 'lib/local/lambda-worker.mjs');

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * One function's execution environment: a worker thread with exactly the template's environment and
 * its role's credentials, so each function's SDK calls are signed as that role and checked against
 * its policy. A crashed environment fails its in-flight invocations and is replaced on the next one.
 */
class FunctionEnvironment {
  readonly id = `env-${++environmentCount}`;
  private worker: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly spec: FunctionSpec,
    private readonly env: Record<string, string>,
  ) {}

  start(): Promise<Worker> {
    this.worker ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(WORKER, {
        env: { ...this.env, AWS_SDK_UA_APP_ID: this.id },
        workerData: {
          entry: pathToFileURL(path.join(PROJECT_ROOT, this.spec.entry)).href,
          functionName: this.spec.logicalId,
          functionArn: this.spec.arn,
          timeoutSeconds: this.spec.timeoutSeconds,
          memorySize: this.spec.memorySize,
        },
      });
      worker.on('message', (message: { ready?: true; id?: number; result?: unknown; error?: Error }) => {
        if (message.ready) return resolve(worker);
        const call = this.pending.get(message.id!);
        this.pending.delete(message.id!);
        if (!call) return;
        if (message.error) call.reject(Object.assign(new Error(message.error.message), message.error));
        else call.resolve(message.result);
      });
      const fail = (error: Error) => {
        this.worker = undefined;
        reject(error);
        for (const call of this.pending.values()) call.reject(error);
        this.pending.clear();
      };
      worker.on('error', (error) =>
        fail(
          Object.assign(new Error(`${this.spec.logicalId}: ${error.message}`), { name: 'Runtime.ExitError' }),
        ),
      );
      worker.on('exit', (code) =>
        fail(
          Object.assign(new Error(`${this.spec.logicalId}: runtime exited with code ${code}`), {
            name: 'Runtime.ExitError',
          }),
        ),
      );
    });
    return this.worker;
  }

  async invoke(event: unknown): Promise<unknown> {
    const worker = await this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Lambda's timeout: the invocation fails and its environment is thrown away (the next one
      // starts cold), so a hung call never holds a poller or its batch for ever.
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          Object.assign(new Error(`Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`), {
            name: 'Sandbox.Timedout',
          }),
        );
        this.crash();
      }, this.spec.timeoutSeconds * 1000);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      worker.postMessage({ id, event });
    });
  }

  crash(): void {
    void this.worker?.then((worker) => worker.terminate()).catch(() => undefined);
  }

  async stop(): Promise<void> {
    const worker = await this.worker?.catch(() => undefined);
    this.worker = undefined;
    await worker?.terminate();
  }
}

type FunctionSpec = Omit<LocalFunction, 'invoke' | 'crash' | 'usage'>;

/**
 * A function's environments as Lambda keeps them: one invocation at a time per environment, a new
 * (cold) one when all are busy, up to the function's concurrency; beyond it, invocations wait.
 */
class FunctionPool {
  private readonly all: FunctionEnvironment[] = [];
  private readonly idle: FunctionEnvironment[] = [];
  private readonly busy = new Set<FunctionEnvironment>();
  private readonly waiting: ((environment: FunctionEnvironment) => void)[] = [];

  constructor(
    private readonly spec: FunctionSpec,
    private readonly env: Record<string, string>,
  ) {}

  /** Cold-starts one environment, so a broken handler fails the twin's start. */
  async warm(): Promise<void> {
    const environment = this.create();
    await environment.start();
    this.idle.push(environment);
  }

  readonly usage = { invocations: 0, durationMs: 0, coldStarts: 0 };

  async invoke(event: unknown): Promise<unknown> {
    const environment = await this.acquire();
    const started = performance.now();
    try {
      return await environment.invoke(event);
    } finally {
      // As Lambda bills: per invocation, rounded up to the millisecond (cold starts counted apart).
      this.usage.invocations++;
      this.usage.durationMs += Math.ceil(performance.now() - started);
      this.release(environment);
    }
  }

  crash(environmentId?: string): void {
    for (const environment of this.busy)
      if (!environmentId || environment.id === environmentId) environment.crash();
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((e) => e.stop()));
  }

  private create(): FunctionEnvironment {
    this.usage.coldStarts++;
    const environment = new FunctionEnvironment(this.spec, this.env);
    this.all.push(environment);
    return environment;
  }

  private acquire(): Promise<FunctionEnvironment> {
    const environment =
      this.idle.pop() ?? (this.all.length < this.spec.maxConcurrency ? this.create() : undefined);
    if (environment) {
      this.busy.add(environment);
      return Promise.resolve(environment);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(environment: FunctionEnvironment): void {
    const next = this.waiting.shift();
    if (next) {
      next(environment);
      return;
    }
    this.busy.delete(environment);
    this.idle.push(environment);
  }
}

/**
 * Starts every function of the template from the handler module its metadata names, each in its own
 * environment with exactly the variables the template gives it (as Lambda does).
 */
export async function loadFunctions(
  template: CfnTemplate,
  resolver: TemplateResolver,
  options: RuntimeOptions,
): Promise<LocalFunctions> {
  const pools: FunctionPool[] = [];
  const functions = new Map<string, LocalFunction>() as LocalFunctions;
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const entry = resource.Metadata?.[HANDLER_METADATA];
    if (typeof entry !== 'string') continue; // CDK's own helper functions (e.g. log retention) do not run locally
    const props = resource.Properties ?? {};
    const variables = resolver.resolve(
      (props['Environment'] as { Variables?: unknown } | undefined)?.Variables ?? {},
    ) as Record<string, string>;
    const spec = {
      logicalId,
      entry,
      environment: variables,
      timeoutSeconds: Number(props['Timeout'] ?? 3),
      memorySize: Number(props['MemorySize'] ?? 128),
      maxConcurrency: Math.min(
        Number(props['ReservedConcurrentExecutions'] ?? TWIN_MAX_ENVIRONMENTS),
        TWIN_MAX_ENVIRONMENTS,
      ),
      arn: functionArn(logicalId),
    };
    const { accessKeyId, secretAccessKey } = options.credentials(logicalId);
    const pool = new FunctionPool(spec, {
      ...(process.env['PATH'] ? { PATH: process.env['PATH'] } : {}),
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_ENDPOINT_URL: options.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: logicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      // Lambda runs Node 22; the SDK's warning is about the host's Node, not the function's.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...variables,
      ...options.environment,
    });
    pools.push(pool);
    functions.set(logicalId, {
      ...spec,
      invoke: (event) => pool.invoke(event),
      usage: pool.usage,
      crash: (environmentId) => pool.crash(environmentId),
    });
  }
  // Cold starts happen together, before the first request, so a broken handler fails the twin's start.
  await Promise.all(pools.map((p) => p.warm()));
  functions.stop = async () => {
    await Promise.all(pools.map((p) => p.stop()));
  };
  return functions;
}
