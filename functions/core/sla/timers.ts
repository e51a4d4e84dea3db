import type { Complaint } from '../model/complaint.ts';
import type { SlaTimers } from '../ports.ts';

/**
 * The one convention for a complaint's timer executions: `<complaintId>-t<generation>`. Generation 0
 * is the first timer; every change of deadline (a follow-up that tightens it, a correction, a reopen)
 * records the next generation on the complaint in the same write, so each (re)start has a fresh
 * name — Step Functions keeps a used name for 90 days and would refuse it — and a redelivery
 * restarts the same generation, which is idempotent.
 */
export function timerName(complaintId: string, generation: number): string {
  return `${complaintId}-t${generation}`;
}

/** The complaint a timer execution belongs to (the inverse of timerName). */
export function complaintOfTimer(name: string): string {
  return name.replace(/-t\d+$/, '');
}

type TimerOwner = Pick<Complaint, 'id' | 'timerGeneration'>;

const generationOf = (c: TimerOwner) => c.timerGeneration ?? 0;

/** Every timer the complaint has had, oldest first. */
export function timerNames(c: TimerOwner): string[] {
  return Array.from({ length: generationOf(c) + 1 }, (_, generation) => timerName(c.id, generation));
}

/** Starts (or confirms) the timer of the complaint's current deadline. */
export function ensureTimer(c: TimerOwner, timers: SlaTimers): Promise<void> {
  return timers.start(timerName(c.id, generationOf(c)), c.id);
}

/** Stops every timer the complaint has had. */
export function stopTimers(c: TimerOwner, timers: SlaTimers): Promise<void> {
  return timers.stop(timerNames(c));
}

/** The generation a new deadline gets. */
export function nextTimerGeneration(c: TimerOwner): number {
  return generationOf(c) + 1;
}
