import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { HANDLER_METADATA, PROJECT_ROOT } from '../constructs/node-function.ts';
import {
  type CfnTemplate,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  resourcesOfType,
  type TemplateResolver,
} from './template.ts';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalFunction {
  logicalId: string;
  arn: string;
  entry: string;
  timeoutSeconds: number;
  environment: Record<string, string>;
  invoke(event: unknown): Promise<unknown>;
}

export function functionArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

function context(fn: Pick<LocalFunction, 'logicalId' | 'arn' | 'timeoutSeconds'>): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: fn.logicalId,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.logicalId}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * Loads every function of the template from the handler module its metadata names, with the environment
 * the template gives it. All functions share this process, so their environments are merged; two
 * functions that disagree on a variable's value are a twin error rather than a silent surprise.
 */
export async function loadFunctions(
  template: CfnTemplate,
  resolver: TemplateResolver,
): Promise<Map<string, LocalFunction>> {
  const merged: Record<string, string> = {};
  const specs = resourcesOfType(template, 'AWS::Lambda::Function').flatMap(([logicalId, resource]) => {
    const entry = resource.Metadata?.[HANDLER_METADATA];
    if (typeof entry !== 'string') return []; // CDK's own helper functions (e.g. log retention) do not run locally
    const props = resource.Properties ?? {};
    const variables = resolver.resolve(
      (props['Environment'] as { Variables?: unknown } | undefined)?.Variables ?? {},
    ) as Record<string, string>;
    for (const [name, value] of Object.entries(variables)) {
      if (name in merged && merged[name] !== value)
        throw new Error(`local twin: functions disagree on ${name}`);
      merged[name] = value;
    }
    return [
      {
        logicalId,
        entry,
        environment: variables,
        timeoutSeconds: Number(props['Timeout'] ?? 3),
        arn: functionArn(logicalId),
      },
    ];
  });
  // Functions log at INFO in AWS; the twin's terminal stays readable unless LOG_LEVEL asks for more.
  Object.assign(process.env, merged, {
    POWERTOOLS_LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'WARN',
    // CloudWatch EMF lines would only clutter the terminal; nothing collects them locally.
    POWERTOOLS_METRICS_DISABLED: 'true',
  });

  const functions = new Map<string, LocalFunction>();
  for (const spec of specs) {
    const module = (await import(pathToFileURL(path.join(PROJECT_ROOT, spec.entry)).href)) as {
      handler: LambdaHandler;
    };
    functions.set(spec.logicalId, { ...spec, invoke: (event) => module.handler(event, context(spec)) });
  }
  return functions;
}
