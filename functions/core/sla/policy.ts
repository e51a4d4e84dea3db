import * as z from 'zod';
import { Kind, type Severity } from '../model/complaint.ts';
import type { Platform } from '../model/interaction.ts';
import { PLATFORM_SPECS, PLATFORMS } from '../sources.ts';
import {
  addWorkingMinutes,
  BusinessCalendar,
  describeCalendar,
  localParts,
  zonedToInstant,
} from './calendar.ts';

const Minutes = z
  .number()
  .positive()
  .max(60 * 24 * 30);
const TargetRow = z.object({ critical: Minutes, high: Minutes, medium: Minutes, low: Minutes });
const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'times are HH:MM (24-hour)');

export const EscalationLevel = z.object({
  level: z.number().int().min(1).max(9),
  /** Minutes after the breach at which this level fires (wall-clock: paging does not keep office hours). */
  afterBreachMinutes: z
    .number()
    .min(0)
    .max(60 * 24 * 7),
  audience: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'audience names are lower-case words'),
  channels: z.array(z.enum(['email', 'sms'])).min(1),
});
export type EscalationLevel = z.infer<typeof EscalationLevel>;

/** An audience's quiet hours: non-critical notifications falling inside are deferred to their end. */
export const QuietHours = z
  .object({ timeZone: BusinessCalendar.shape.timeZone, start: Clock, end: Clock })
  .refine((q) => q.start !== q.end, 'quiet hours must start and end at different times');

/** Acknowledgement targets (minutes) by platform × severity, and the ladder that follows a breach. */
export const SlaPolicy = z
  .object({
    /** One row per platform of the registered sources (core/sources.ts). */
    targets: z.object(
      Object.fromEntries(PLATFORMS.map((p) => [p, TargetRow])) as Record<Platform, typeof TargetRow>,
    ),
    /** Fraction of the target at which a pre-breach warning goes to the first level's audience. */
    warningAt: z.number().gt(0).lt(1).nullable(),
    actionableKinds: z.array(Kind).min(1),
    levels: z.array(EscalationLevel).min(1),
    /** Business hours; null: the clock runs 24/7. Critical complaints always run 24/7. */
    calendar: BusinessCalendar.nullable().default(null),
    quietHours: z.record(z.string(), QuietHours).default({}),
    /** More than `threshold` breaches within `windowMinutes`: each audience gets one digest per `digestMinutes`. */
    storm: z
      .object({
        threshold: z.number().int().min(1),
        windowMinutes: z.number().positive(),
        digestMinutes: z.number().positive(),
      })
      .nullable()
      .default({ threshold: 10, windowMinutes: 15, digestMinutes: 15 }),
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

export const DEFAULT_SLA_POLICY: SlaPolicy = {
  targets: Object.fromEntries(
    PLATFORMS.map((p) => [p, { ...PLATFORM_SPECS[p].targets }]),
  ) as SlaPolicy['targets'],
  warningAt: 0.75,
  actionableKinds: ['complaint', 'question'],
  levels: [
    { level: 1, afterBreachMinutes: 0, audience: 'team', channels: ['email'] },
    { level: 2, afterBreachMinutes: 30, audience: 'oncall', channels: ['sms', 'email'] },
    { level: 3, afterBreachMinutes: 120, audience: 'manager', channels: ['sms', 'email'] },
  ],
  calendar: null,
  quietHours: {},
  storm: { threshold: 10, windowMinutes: 15, digestMinutes: 15 },
};

const MINUTE = 60_000;

export function targetMinutes(policy: SlaPolicy, platform: Platform, severity: Severity): number {
  return policy.targets[platform][severity];
}

/** `minutes` after `start` on the complaint's clock: working time, unless 24/7 or critical. */
function addTargetTime(policy: SlaPolicy, severity: Severity, start: number, minutes: number): number {
  if (!policy.calendar || severity === 'critical') return start + minutes * MINUTE;
  return addWorkingMinutes(policy.calendar, new Date(start), minutes)?.getTime() ?? start + minutes * MINUTE;
}

type Clocked = { platform: Platform; severity: Severity; kind: Kind; receivedAt: string };

/** When the complaint must be acknowledged, or null when its kind starts no clock. */
export function ackDueAt(policy: SlaPolicy, c: Clocked): string | null {
  if (!policy.actionableKinds.includes(c.kind)) return null;
  return new Date(
    addTargetTime(
      policy,
      c.severity,
      Date.parse(c.receivedAt),
      targetMinutes(policy, c.platform, c.severity),
    ),
  ).toISOString();
}

/** Why the deadline is what it is, for people (`heed sla explain`). */
export function explainDeadline(policy: SlaPolicy, c: Clocked): string {
  const target = targetMinutes(policy, c.platform, c.severity);
  const clock = !policy.calendar
    ? '24/7'
    : c.severity === 'critical'
      ? '24/7 (critical ignores business hours)'
      : describeCalendar(policy.calendar);
  return `target ${target} min for ${c.severity} on ${c.platform}, ${clock}`;
}

/** The end of `audience`'s quiet hours if `at` falls inside them, else `at`. */
export function afterQuietHours(policy: SlaPolicy, audience: string, at: number): number {
  const quiet = policy.quietHours[audience];
  if (!quiet) return at;
  const toMin = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  const [start, end] = [toMin(quiet.start), toMin(quiet.end)];
  const p = localParts(quiet.timeZone, at);
  const minute = p.h * 60 + p.mi;
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return at;
  // The quiet period ends today at `end`, or tomorrow when it spans midnight and we are before it.
  const dayOffset = start > end && minute >= start ? 1 : 0;
  const day = new Date(Date.UTC(p.y, p.m - 1, p.d + dayOffset));
  return zonedToInstant(quiet.timeZone, day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), end);
}

/** A complaint's escalation level and breach once `released` is taken back from its fired steps. */
export function escalationAfter(fired: readonly string[], released: string) {
  const levels = fired.filter((s) => s !== released && /^L\d+$/.test(s)).map((s) => Number(s.slice(1)));
  return { escalationLevel: Math.max(0, ...levels), breached: levels.length > 0 };
}

export interface LadderStep {
  /** Stable id recorded on the complaint so each step fires exactly once: `warning`, `L1`, `L2`… */
  id: string;
  level: number;
  /** When it is sent: its due time, deferred past the audience's quiet hours unless critical. */
  at: Date;
  /** When it was due, before any quiet-hours deferral. */
  dueAt: Date;
  audience: string;
  channels: readonly string[];
}

/**
 * A pre-breach warning is only worth sending before the breach: it is superseded once a level has
 * gone out (e.g. before a correction moved the deadline), or when quiet hours defer it to a level's
 * time. It would only arrive beside or after its L1.
 */
export function isSuperseded(
  step: LadderStep,
  steps: readonly LadderStep[],
  sent: readonly string[],
): boolean {
  if (step.level !== 0) return false;
  if (sent.some((id) => id !== step.id)) return true;
  return steps.some((s) => s.level >= 1 && s.at.getTime() <= step.at.getTime());
}

/** Every notification an ignored complaint will cause, in time order. */
export function ladder(policy: SlaPolicy, c: Clocked & { ackDueAt: string | null }): LadderStep[] {
  if (!c.ackDueAt) return [];
  const received = Date.parse(c.receivedAt);
  const due = Date.parse(c.ackDueAt);
  const steps: LadderStep[] = [];
  const push = (id: string, level: number, at: number, audience: string, channels: readonly string[]) => {
    const sendAt = c.severity === 'critical' ? at : afterQuietHours(policy, audience, at);
    steps.push({ id, level, at: new Date(sendAt), dueAt: new Date(at), audience, channels });
  };
  const first = policy.levels[0]!;
  if (policy.warningAt !== null) {
    const target = targetMinutes(policy, c.platform, c.severity);
    const warning = Math.min(due, addTargetTime(policy, c.severity, received, target * policy.warningAt));
    push('warning', 0, warning, first.audience, first.channels);
  }
  for (const level of policy.levels)
    push(
      `L${level.level}`,
      level.level,
      due + level.afterBreachMinutes * MINUTE,
      level.audience,
      level.channels,
    );
  return steps;
}
