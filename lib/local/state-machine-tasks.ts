import type { LocalFunction } from './lambda-runtime.ts';
import type { TaskHandler } from './step-functions.ts';

/** Maps a Task state to a local function: direct Lambda ARNs and the lambda:invoke integration. */
export function taskHandlers(
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
