import type { Severity } from '#core/model/complaint.ts';
import type { Platform } from '#core/model/interaction.ts';
import { ackDueAt, ladder, type SlaPolicy } from '#core/sla/policy.ts';

/**
 * The reference model of the escalation ladder: what must be sent for a history, stated as plainly
 * as possible. The schedule of each step (its due time and quiet-hours deferral) comes from the
 * policy's pure functions, which have their own tests; the model states the delivery semantics:
 *
 * - every step of a complaint's ladder goes out exactly once, at its send time, unless the
 *   complaint was acknowledged (or resolved) before that time;
 * - steps go out in their own time: one audience's quiet hours never delay another's;
 * - a pre-breach warning deferred by quiet hours until a level has gone out is superseded by it;
 * - nothing is sent after the acknowledgement.
 * (Storm digests are stated in the README; they are checked by their own tests.)
 */
export interface ModelComplaint {
  id: string;
  platform: Platform;
  severity: Severity;
  receivedAt: number;
  /** When an agent acknowledged (or resolved) it, if they did. */
  acknowledgedAt?: number;
  /** Closed by resolving rather than acknowledging: the same for the ladder. */
  resolved?: boolean;
  /** Each change of deadline, in time order: a correction, or a follow-up that raised the severity. */
  changes?: { at: number; severity: Severity }[];
}

export interface ExpectedPage {
  complaintId: string;
  step: string;
  audience: string;
  /** Not before this instant. */
  at: number;
}

function ladderOf(policy: SlaPolicy, c: ModelComplaint, severity: Severity) {
  const clocked = {
    platform: c.platform,
    severity,
    kind: 'complaint' as const,
    receivedAt: new Date(c.receivedAt).toISOString(),
  };
  return ladder(policy, { ...clocked, ackDueAt: ackDueAt(policy, clocked) });
}

/**
 * - A step goes out at its send time under the deadline in force: steps due before a change of
 *   deadline (a correction, a follow-up that raised the severity) went out then; the others go out at
 *   their time under the new deadline, or at the change if that time has already passed.
 * - A warning never goes out after a level has (nor when quiet hours defer it to a level's time);
 *   when a change makes both due at once, both go out, the warning first.
 */
export function expectedPages(policy: SlaPolicy, complaints: readonly ModelComplaint[]): ExpectedPage[] {
  return complaints.flatMap((c) => {
    const phases = [
      { start: Number.NEGATIVE_INFINITY, steps: ladderOf(policy, c, c.severity) },
      ...(c.changes ?? []).map((change) => ({
        start: change.at,
        steps: ladderOf(policy, c, change.severity),
      })),
    ];
    const deferredPastBreach = (steps: (typeof phases)[number]['steps'], id: string) => {
      const step = steps.find((s) => s.id === id)!;
      return (
        step.level === 0 &&
        step.at.getTime() > step.dueAt.getTime() &&
        steps.some((s) => s.level >= 1 && s.at.getTime() <= step.at.getTime())
      );
    };
    const pages = phases[0]!.steps.flatMap((first) => {
      for (const [i, phase] of phases.entries()) {
        const step = phase.steps.find((s) => s.id === first.id)!;
        const at = Math.max(step.at.getTime(), phase.start);
        if (at < (phases[i + 1]?.start ?? Number.POSITIVE_INFINITY))
          return [{ step, at, deferred: deferredPastBreach(phase.steps, step.id) }];
      }
      return [];
    });
    const ackAt = c.acknowledgedAt ?? Number.POSITIVE_INFINITY;
    return pages
      .filter((p) => p.at < ackAt && !p.deferred)
      .filter((p) => p.step.level !== 0 || !pages.some((q) => q.step.level >= 1 && q.at < p.at))
      .map((p) => ({ complaintId: c.id, step: p.step.id, audience: p.step.audience, at: p.at }));
  });
}
