import type { Complaint } from '../../functions/core/model/complaint.ts';

export type { Complaint };

let clock = { scale: 1, epoch: 0 };
/** The stage's SLA clock: the local twin may run it faster than the wall clock (SLA_TIME_SCALE). */
export function useClock(stage: { scale: number; epoch: number } | undefined) {
  if (stage && stage.scale > 0) clock = stage;
}
/** Now, on the SLA clock: what deadlines are measured against. */
export const clockNow = () =>
  clock.scale === 1 ? Date.now() : clock.epoch + (Date.now() - clock.epoch) * clock.scale;

/** Where a complaint stands against its deadline, as the queue colours it. */
export type Standing = 'none' | 'on-track' | 'warning' | 'breached' | 'done';

/**
 * Amber from the policy's warning point (or once the warning was sent), red from the deadline: what
 * the ladder does, read on the client every second so the countdown never waits for a poll.
 */
export function standing(c: Complaint, now: number, warningAt: number | null = 0.75): Standing {
  if (c.status !== 'open') return 'done';
  if (!c.ackDueAt) return 'none';
  const due = Date.parse(c.ackDueAt);
  if (c.breached || now >= due) return 'breached';
  const received = Date.parse(c.receivedAt);
  const warnFrom = warningAt === null ? Number.POSITIVE_INFINITY : received + (due - received) * warningAt;
  return c.slaSteps.includes('warning') || now >= warnFrom ? 'warning' : 'on-track';
}

/** "in 12:05", "in 3 h 20 min", "4 min late". */
export function countdown(c: Complaint, now: number): string {
  if (c.status !== 'open') return c.status;
  if (!c.ackDueAt) return 'no deadline';
  const ms = Date.parse(c.ackDueAt) - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const text = h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m}:${String(s).padStart(2, '0')}`;
  return ms >= 0 ? `in ${text}` : `${text} late`;
}

export const PLATFORMS: Record<string, { label: string; short: string }> = {
  x: { label: 'X', short: 'X' },
  facebook: { label: 'Facebook', short: 'f' },
  messenger: { label: 'Messenger', short: 'M' },
  instagram: { label: 'Instagram', short: 'IG' },
  whatsapp: { label: 'WhatsApp', short: 'WA' },
  generic: { label: 'Connected source', short: '★' },
  trustpilot: { label: 'Trustpilot', short: 'TP' },
  google: { label: 'Google reviews', short: 'G' },
  web: { label: 'The web (listening)', short: 'W' },
};

/** 12,300 → "12.3k": an author's reach at a glance. */
export function reach(followers: number | undefined): string {
  if (followers === undefined) return '';
  if (followers >= 1_000_000) return `${(followers / 1_000_000).toFixed(1)}M`;
  if (followers >= 1_000) return `${(followers / 1_000).toFixed(1)}k`;
  return String(followers);
}

export const percent = (rate: number | null | undefined) =>
  rate === null || rate === undefined ? '—' : `${Math.round(rate * 1000) / 10}%`;
export const minutes = (value: number | null | undefined) =>
  value === null || value === undefined
    ? '—'
    : value < 90
      ? `${Math.round(value)} min`
      : `${(value / 60).toFixed(1)} h`;

/** The timeline as people say it. */
export function describeEvent(e: { type: string; detail: Record<string, unknown> }): string {
  const by = typeof e.detail['by'] === 'string' ? String(e.detail['by']).replace(/^api:/, '') : '';
  switch (e.type) {
    case 'received':
      return 'Received';
    case 'classified':
      return `Classified as ${e.detail['severity']} ${e.detail['kind']}`;
    case 'sla-warning':
      return 'SLA warning sent';
    case 'escalated':
      return `Escalated (${String(e.detail['step'] ?? e.detail['level'] ?? '')})`;
    case 'breached':
      return 'Deadline passed';
    case 'acknowledged':
      return e.detail['via'] === 'brand-reply'
        ? 'Answered by a brand reply on the platform'
        : `Acknowledged by ${by}`;
    case 'resolved':
      return `Resolved by ${by}`;
    case 'reopened':
      return `Reopened by ${by}`;
    case 'assigned':
      return `Assigned to ${String(e.detail['to'] ?? 'nobody')} by ${by}`;
    case 'corrected':
      return `Triage corrected by ${by}`;
    case 'follow-up':
      return 'Follow-up message';
    case 'edited':
      return 'Edited by its author';
    case 'deleted':
      return 'Deleted on the platform';
    default:
      return e.type;
  }
}

/** A brand reply's own post, when its platform gives it a public address. */
export function replyLink(by: string): string | null {
  const [platform, id] = by.split(':', 2);
  return platform === 'x' && id && /^\d+$/.test(id) ? `https://x.com/i/web/status/${id}` : null;
}
