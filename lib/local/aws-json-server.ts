import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type LocalStepFunctions, StepFunctionsError } from './step-functions.ts';

export interface LocalSecret {
  arn: string;
  name: string;
  value: string;
}

const epochSeconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

/**
 * Serves the few Step Functions and Secrets Manager operations Heed calls, over their real AWS JSON
 * protocols, so the same SDK clients and adapters run unchanged against the twin.
 */
export function startAwsJsonServer(
  stepFunctions: LocalStepFunctions,
  secrets: LocalSecret[],
): Promise<{ server: Server; url: string }> {
  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    'AWSStepFunctions.StartExecution': (input) => {
      const e = stepFunctions.startExecution(
        String(input['stateMachineArn']),
        String(input['name'] ?? crypto.randomUUID()),
        input['input'] as string | undefined,
      );
      return { executionArn: e.executionArn, startDate: epochSeconds(e.startDate) };
    },
    'AWSStepFunctions.StopExecution': (input) => {
      const e = stepFunctions.stopExecution(
        String(input['executionArn']),
        input['cause'] as string | undefined,
      );
      return { stopDate: epochSeconds(e.stopDate) ?? Date.now() / 1000 };
    },
    'AWSStepFunctions.DescribeExecution': (input) => {
      const e = stepFunctions.describeExecution(String(input['executionArn']));
      return { ...e, startDate: epochSeconds(e.startDate), stopDate: epochSeconds(e.stopDate) };
    },
    'AWSStepFunctions.ListExecutions': (input) => ({
      executions: stepFunctions
        .listExecutions(String(input['stateMachineArn']), input['statusFilter'] as never)
        .map((e) => ({
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: epochSeconds(e.startDate),
          stopDate: epochSeconds(e.stopDate),
        })),
    }),
    'secretsmanager.GetSecretValue': (input) => {
      const id = String(input['SecretId']);
      const secret = secrets.find((s) => s.arn === id || s.name === id);
      if (!secret)
        throw new StepFunctionsError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret.",
        );
      return {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: 'local',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 0,
      };
    },
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const send = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(body));
    };
    try {
      const operation = operations[target];
      if (!operation)
        return send(
          400,
          { __type: 'UnknownOperationException', message: `local twin does not serve ${target}` },
          'UnknownOperationException',
        );
      const result = operation(await readJson(req));
      // A started or stopped execution is answered only once it is on disk (it survives a crash).
      await stepFunctions.durable();
      send(200, result);
    } catch (error) {
      if (error instanceof StepFunctionsError)
        return send(400, { __type: error.type, message: error.message }, error.type);
      send(500, { __type: 'InternalFailure', message: (error as Error).message }, 'InternalFailure');
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}
