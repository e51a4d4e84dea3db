import type { LocalFunction } from './lambda-runtime.ts';
import { type CfnTemplate, resourcesOfType } from './template.ts';

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Milliseconds of an EventBridge Scheduler `rate(n unit)` expression. */
export function rateMs(expression: string): number {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression.trim());
  if (!match) throw new Error(`local twin: only rate(...) schedules run locally, not ${expression}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/**
 * EventBridge Scheduler's part: each `AWS::Scheduler::Schedule` of the template invokes its target
 * function on its rate, the first time as soon as the twin is ready (so `npm start` hears at once).
 * Like a schedule with no retries, a tick that finds the previous invocation still running is
 * skipped. `everyMs` overrides every rate (tests; HEED_SCHEDULE_SECONDS).
 */
export function startSchedules(
  template: CfnTemplate,
  functions: Map<string, LocalFunction>,
  options: { everyMs?: number; onError: (message: string, error: unknown) => void },
) {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  for (const [id, resource] of resourcesOfType(template, 'AWS::Scheduler::Schedule')) {
    const props = resource.Properties ?? {};
    const target = props['Target'] as { Arn?: { 'Fn::GetAtt'?: [string, string] }; Input?: string };
    const fn = functions.get(target.Arn?.['Fn::GetAtt']?.[0] ?? '');
    if (!fn) throw new Error(`local twin: schedule ${id} targets no local function`);
    const every = options.everyMs ?? rateMs(String(props['ScheduleExpression']));
    let busy = false;
    const tick = () => {
      if (busy) return;
      busy = true;
      const run = fn
        .invoke(target.Input ? JSON.parse(target.Input) : {})
        .catch((error: unknown) => options.onError(`schedule ${id} failed`, error))
        .finally(() => {
          busy = false;
          running.delete(run);
        });
      running.add(run);
    };
    tick();
    timers.push(setInterval(tick, every));
  }
  return {
    count: timers.length,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
