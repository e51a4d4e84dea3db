import type { Clock } from '#core/ports.ts';

/**
 * The wall clock, optionally sped up (local twin: SLA_TIME_SCALE). Domain time runs `scale` times as
 * fast as real time from `epochMs`; at scale 1 it is simply Date.now().
 */
export class ScaledClock implements Clock {
  constructor(
    private readonly scale = 1,
    private readonly epochMs = Date.now(),
    private readonly realNow: () => number = Date.now,
  ) {}

  now(): Date {
    const real = this.realNow();
    return new Date(this.scale === 1 ? real : this.epochMs + (real - this.epochMs) * this.scale);
  }

  wallNow(): Date {
    return new Date(this.realNow());
  }

  realMsUntil(instant: Date): number {
    return Math.max(0, (instant.getTime() - this.now().getTime()) / this.scale);
  }
}
