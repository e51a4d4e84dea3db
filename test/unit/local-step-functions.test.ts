import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { LocalStepFunctions } from '../../lib/local/step-functions.ts';

const machineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:m';
const definition = {
  StartAt: 'Wait',
  States: {
    Wait: { Type: 'Wait', Seconds: 1, Next: 'Task' },
    Task: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f', End: true },
  },
};

function machine(onTask: () => void) {
  const sfn = new LocalStepFunctions(
    path.join(mkdtempSync(path.join(tmpdir(), 'heed-sfn-')), 's.json'),
    () => {},
  );
  sfn.register(machineArn, definition, {
    Task: async () => {
      onTask();
      return {};
    },
  });
  return sfn;
}

it('never runs the next state of a stopped execution (as Step Functions does)', async () => {
  let ran = 0;
  const sfn = machine(() => ran++);
  const stopped = sfn.startExecution(machineArn, 'stopped');
  sfn.stopExecution(stopped.executionArn, 'acknowledged');
  const control = sfn.startExecution(machineArn, 'control');
  // The control execution proves the wait is over; only it may have reached the task.
  for (let i = 0; i < 50 && sfn.describeExecution(control.executionArn).status === 'RUNNING'; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  expect(sfn.describeExecution(control.executionArn).status).toBe('SUCCEEDED');
  expect(sfn.describeExecution(stopped.executionArn).status).toBe('ABORTED');
  expect(ran).toBe(1);
  sfn.shutdown();
});

it('runs no more task retries once an execution is stopped, or the twin shut down', async () => {
  const retrying = {
    StartAt: 'Task',
    States: {
      Task: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 0.01, MaxAttempts: 1000, BackoffRate: 1 }],
        End: true,
      },
    },
  };
  for (const end of ['stop', 'shutdown'] as const) {
    let attempts = 0;
    const sfn = new LocalStepFunctions(
      path.join(mkdtempSync(path.join(tmpdir(), 'heed-sfn-')), 's.json'),
      () => {},
    );
    sfn.register(machineArn, retrying, {
      Task: async () => {
        attempts++;
        throw new Error('the function failed');
      },
    });
    const execution = sfn.startExecution(machineArn, end);
    while (attempts < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    if (end === 'stop') sfn.stopExecution(execution.executionArn, 'acknowledged');
    else sfn.shutdown();
    const after = attempts;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(attempts).toBe(after);
    sfn.shutdown();
  }
});
