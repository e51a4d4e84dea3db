import { Logger } from '@aws-lambda-powertools/logger';
import { ScaledClock } from '#adapters/scaled-clock.ts';
import type { Clock } from '#core/ports.ts';
import { clockEnv, readEnv } from './env.ts';

/** Powertools singletons, created once per container. */
export const logger = new Logger({ serviceName: 'heed' });

let clock: Clock | undefined;
export function sharedClock(): Clock {
  if (!clock) {
    const env = readEnv(clockEnv);
    clock = new ScaledClock(env.SLA_TIME_SCALE, env.HEED_CLOCK_EPOCH ?? Date.now());
  }
  return clock;
}
