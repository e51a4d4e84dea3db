import { Logger } from '@aws-lambda-powertools/logger';
import { ScaledClock } from '#adapters/scaled-clock.ts';
import type { Clock } from '#core/ports.ts';
import { clockEnv, readEnv } from './env.ts';
import { RedactingLogFormatter } from './redaction.ts';

/**
 * Powertools singletons, created once per container. Logs never carry what customers wrote or who
 * they are: personal fields are redacted wherever they appear (shared/redaction.ts).
 */
export const logger = new Logger({ serviceName: 'heed', logFormatter: new RedactingLogFormatter() });

let clock: Clock | undefined;
export function sharedClock(): Clock {
  if (!clock) {
    const env = readEnv(clockEnv);
    clock = new ScaledClock(env.SLA_TIME_SCALE, env.HEED_CLOCK_EPOCH ?? Date.now());
  }
  return clock;
}
