import * as z from 'zod';
import { Kind, type Severity } from '../model/complaint.ts';
import type { Platform } from '../model/interaction.ts';

const Minutes = z
  .number()
  .positive()
  .max(60 * 24 * 30);
const TargetRow = z.object({ critical: Minutes, high: Minutes, medium: Minutes, low: Minutes });

export const EscalationLevel = z.object({
  level: z.number().int().min(1).max(9),
  /** Minutes after the breach at which this level fires. */
  afterBreachMinutes: z
    .number()
    .min(0)
    .max(60 * 24 * 7),
  audience: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'audience names are lower-case words'),
  channels: z.array(z.enum(['email', 'sms'])).min(1),
});
export type EscalationLevel = z.infer<typeof EscalationLevel>;

/** Acknowledgement targets (minutes) by platform × severity, and the ladder that follows a breach. */
export const SlaPolicy = z
  .object({
    targets: z.object({
      x: TargetRow,
      facebook: TargetRow,
      messenger: TargetRow,
      instagram: TargetRow,
      whatsapp: TargetRow,
      generic: TargetRow,
    }),
    /** Fraction of the target at which a pre-breach warning goes to the first level's audience. */
    warningAt: z.number().gt(0).lt(1).nullable(),
    actionableKinds: z.array(Kind).min(1),
    levels: z.array(EscalationLevel).min(1),
  })
  .superRefine((policy, ctx) => {
    policy.levels.forEach((level, i) => {
      const previous = policy.levels[i - 1];
      if (
        previous &&
        (level.level <= previous.level || level.afterBreachMinutes < previous.afterBreachMinutes)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['levels', i],
          message: 'levels must ascend in number and delay',
        });
      }
    });
  });
export type SlaPolicy = z.infer<typeof SlaPolicy>;

const meta = { critical: 15, high: 120, medium: 240, low: 480 };
export const DEFAULT_SLA_POLICY: SlaPolicy = {
  targets: {
    x: { critical: 15, high: 30, medium: 120, low: 480 },
    facebook: meta,
    messenger: meta,
    instagram: meta,
    whatsapp: { critical: 15, high: 60, medium: 240, low: 480 },
    generic: meta,
  },
  warningAt: 0.75,
  actionableKinds: ['complaint', 'question'],
  levels: [
    { level: 1, afterBreachMinutes: 0, audience: 'team', channels: ['email'] },
    { level: 2, afterBreachMinutes: 30, audience: 'oncall', channels: ['sms', 'email'] },
    { level: 3, afterBreachMinutes: 120, audience: 'manager', channels: ['sms', 'email'] },
  ],
};

const MINUTE = 60_000;

export function targetMinutes(policy: SlaPolicy, platform: Platform, severity: Severity): number {
  return policy.targets[platform][severity];
}

/** When the complaint must be acknowledged, or null when its kind starts no clock. */
export function ackDueAt(
  policy: SlaPolicy,
  c: { platform: Platform; severity: Severity; kind: Kind; receivedAt: string },
): string | null {
  if (!policy.actionableKinds.includes(c.kind)) return null;
  return new Date(
    Date.parse(c.receivedAt) + targetMinutes(policy, c.platform, c.severity) * MINUTE,
  ).toISOString();
}

export interface LadderStep {
  /** Stable id recorded on the complaint so each step fires exactly once: `warning`, `L1`, `L2`… */
  id: string;
  level: number;
  at: Date;
  audience: string;
  channels: readonly string[];
}

/** Every notification an ignored complaint will cause, in time order. */
export function ladder(policy: SlaPolicy, c: { receivedAt: string; ackDueAt: string | null }): LadderStep[] {
  if (!c.ackDueAt) return [];
  const received = Date.parse(c.receivedAt);
  const due = Date.parse(c.ackDueAt);
  const steps: LadderStep[] = [];
  const first = policy.levels[0]!;
  if (policy.warningAt !== null) {
    steps.push({
      id: 'warning',
      level: 0,
      at: new Date(received + (due - received) * policy.warningAt),
      audience: first.audience,
      channels: first.channels,
    });
  }
  for (const level of policy.levels) {
    steps.push({
      id: `L${level.level}`,
      level: level.level,
      at: new Date(due + level.afterBreachMinutes * MINUTE),
      audience: level.audience,
      channels: level.channels,
    });
  }
  return steps;
}
