// The Lambda execution environment of one function in the local twin: its own thread, its own
// environment (only what the template gives it, plus its role's credentials), its own module graph.
// Plain JavaScript because it must register the TypeScript loader before importing the handler.
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { entry, functionName, functionArn, timeoutSeconds, memorySize } = workerData;
const { handler } = await import(entry);

function context() {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memorySize),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

parentPort.on('message', async ({ id, event }) => {
  try {
    const result = await handler(event, context());
    parentPort.postMessage({ id, result });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    parentPort.postMessage({ id, error: { name: e.name, message: e.message, stack: e.stack } });
  }
});
parentPort.postMessage({ ready: true });
