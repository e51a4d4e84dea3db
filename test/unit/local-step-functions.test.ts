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
