import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';
import { complaintOfTimer } from '#core/sla/timers.ts';

// aws-local-stepfunctions uses Promise.withResolvers (Node 22); give Node 20 the standard polyfill.
const promiseStatics = Promise as unknown as { withResolvers?: unknown };
if (!promiseStatics.withResolvers) {
  promiseStatics.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export type TaskHandler = (input: unknown) => Promise<unknown>;

interface MachineRecord {
  arn: string;
  machine: StateMachine;
  tasks: Record<string, TaskHandler>;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** An API rate quota as AWS applies it: a bucket of `burst` calls, refilled at `refillPerSecond`. */
export interface RateQuota {
  burst: number;
  refillPerSecond: number;
}

/**
 * Standard workflows' StartExecution quota (Step Functions quotas, "API action throttling"): 1,300
 * refilled at 300/s in the largest regions, 800 at 150/s in the others. The twin applies the smaller,
 * so a storm that AWS would throttle is throttled locally too.
 */
export const START_EXECUTION_QUOTA: RateQuota = { burst: 800, refillPerSecond: 150 };

class TokenBucket {
  private tokens: number;
  private last = Date.now();
  throttled = 0;

  constructor(private readonly quota: RateQuota) {
    this.tokens = quota.burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(
      this.quota.burst,
      this.tokens + ((now - this.last) / 1000) * this.quota.refillPerSecond,
    );
    this.last = now;
    if (this.tokens < 1) {
      this.throttled++;
      return false;
    }
    this.tokens -= 1;
    return true;
  }
}

export class StepFunctionsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs synthesized state machines with aws-local-stepfunctions and keeps execution records on disk,
 * so timers survive a restart of the twin (RUNNING executions are started again; the SLA step is
 * idempotent, so a resumed timer fires nothing twice).
 */
export class LocalStepFunctions {
  private readonly machines = new Map<string, MachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly aborts = new Map<string, () => void>();
  private readonly startQuota: TokenBucket;
  private stopped = false;

  constructor(
    private readonly stateFile: string,
    private readonly onError: (message: string, error: unknown) => void,
    startExecutionQuota: RateQuota = START_EXECUTION_QUOTA,
  ) {
    this.startQuota = new TokenBucket(startExecutionQuota);
    if (existsSync(stateFile)) {
      for (const record of JSON.parse(readFileSync(stateFile, 'utf8')) as ExecutionRecord[])
        this.executions.set(record.executionArn, record);
    }
  }

  register(arn: string, definition: Record<string, unknown>, tasks: Record<string, TaskHandler>): void {
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    this.machines.set(arn, { arn, machine, tasks });
  }

  private writing: Promise<void> | undefined;

  /**
   * Writes the executions to disk, once for every change of the same moment (a storm of starts is
   * not one whole-file write per start). `durable()` settles when the latest change is on disk.
   */
  private persist(): void {
    this.writing ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.writing = undefined;
        // Written aside, then renamed over the old file (atomic): a crash mid-write (kill -9) leaves
        // the previous state whole, never a truncated file the next start cannot read.
        const next = `${this.stateFile}.next`;
        writeFileSync(next, JSON.stringify([...this.executions.values()]));
        renameSync(next, this.stateFile);
        resolve();
      }),
    );
  }

  durable(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  /** Tests: how many executions are running. */
  runningCount(): number {
    return [...this.executions.values()].filter((e) => e.status === 'RUNNING').length;
  }

  /** Tests: the execution names of each complaint (core/sla/timers.ts names them). */
  executionsByComplaint(): Map<string, string[]> {
    const byComplaint = new Map<string, string[]>();
    for (const { name } of this.executions.values()) {
      const id = complaintOfTimer(name);
      byComplaint.set(id, [...(byComplaint.get(id) ?? []), name]);
    }
    return byComplaint;
  }

  private machine(arn: string): MachineRecord {
    const machine = this.machines.get(arn);
    if (!machine)
      throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  /** How many StartExecution calls the quota refused (the storm suite reports it). */
  get throttledStarts(): number {
    return this.startQuota.throttled;
  }

  startExecution(stateMachineArn: string, name: string, input = '{}'): ExecutionRecord {
    if (!this.startQuota.take()) throw new StepFunctionsError('ThrottlingException', 'Rate exceeded');
    this.machine(stateMachineArn);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // Standard workflows: same name and input while running is idempotent; anything else is a conflict.
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      name,
      input,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
    };
    this.executions.set(executionArn, record);
    this.persist();
    this.run(record);
    return record;
  }

  private run(record: ExecutionRecord): void {
    const { machine, tasks } = this.machine(record.stateMachineArn);
    // An aborted execution's Task retries go on inside the emulator (its abort takes effect between
    // states): once the execution is over or the twin stopping, a task never runs, and never settles.
    const guarded = Object.fromEntries(
      Object.entries(tasks).map(([state, task]) => [
        state,
        (input: unknown) =>
          this.stopped || record.status !== 'RUNNING' ? new Promise<never>(() => {}) : task(input),
      ]),
    );
    const execution = machine.run(JSON.parse(record.input), {
      overrides: { taskResourceLocalHandlers: guarded as never },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          Input: JSON.parse(record.input),
          StartTime: record.startDate,
        },
      },
    });
    this.aborts.set(record.executionArn, execution.abort);
    void execution.result.then(
      (output: unknown) => {
        // A twin shutdown aborts running executions: they stay RUNNING on disk and resume next start.
        if (this.stopped || record.status !== 'RUNNING') return;
        this.finish(record, 'SUCCEEDED', { output: JSON.stringify(output ?? null) });
      },
      (error: unknown) => {
        if (this.stopped || record.status !== 'RUNNING') return;
        const e = error as { name?: string; message?: string };
        this.finish(record, 'FAILED', { error: e.name ?? 'Error', cause: e.message });
        this.onError(`execution ${record.name} failed`, error);
      },
    );
  }

  private finish(record: ExecutionRecord, status: ExecutionStatus, extra: Partial<ExecutionRecord>): void {
    Object.assign(record, { status, stopDate: new Date().toISOString(), ...extra });
    this.aborts.delete(record.executionArn);
    this.persist();
  }

  stopExecution(executionArn: string, cause?: string): ExecutionRecord {
    const record = this.describeExecution(executionArn);
    if (record.status === 'RUNNING') {
      // Take the handle before finish() forgets it: a stopped execution must not run its next state.
      const abort = this.aborts.get(executionArn);
      this.finish(record, 'ABORTED', { cause });
      abort?.();
    }
    return record;
  }

  describeExecution(executionArn: string): ExecutionRecord {
    const record = this.executions.get(executionArn);
    if (!record)
      throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  listExecutions(stateMachineArn: string, status?: ExecutionStatus): ExecutionRecord[] {
    return [...this.executions.values()].filter(
      (e) => e.stateMachineArn === stateMachineArn && (!status || e.status === status),
    );
  }

  /** Restarts executions that were running when the twin last stopped. */
  resume(): number {
    const running = [...this.executions.values()].filter(
      (e) => e.status === 'RUNNING' && this.machines.has(e.stateMachineArn),
    );
    for (const record of running) this.run(record);
    return running.length;
  }

  shutdown(): void {
    this.stopped = true;
    for (const abort of this.aborts.values()) abort();
    this.aborts.clear();
  }
}
