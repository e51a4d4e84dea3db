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
  /** When an agent acknowledged it, if they did. */
  acknowledgedAt?: number;
}

export interface ExpectedPage {
  complaintId: string;
  step: string;
  audience: string;
  /** Not before this instant. */
  at: number;
}

export function expectedPages(policy: SlaPolicy, complaints: readonly ModelComplaint[]): ExpectedPage[] {
  return complaints.flatMap((c) => {
    const clocked = {
      platform: c.platform,
      severity: c.severity,
      kind: 'complaint' as const,
      receivedAt: new Date(c.receivedAt).toISOString(),
    };
    const steps = ladder(policy, { ...clocked, ackDueAt: ackDueAt(policy, clocked) });
    const ackAt = c.acknowledgedAt ?? Number.POSITIVE_INFINITY;
    return steps
      .filter((step) => step.at.getTime() < ackAt)
      .filter(
        (step) =>
          !(
            step.level === 0 &&
            step.at.getTime() > step.dueAt.getTime() &&
            steps.some((s) => s.level >= 1 && s.at.getTime() <= step.at.getTime())
          ),
      )
      .map((step) => ({ complaintId: c.id, step: step.id, audience: step.audience, at: step.at.getTime() }));
  });
}
