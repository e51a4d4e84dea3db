import type { Complaint } from '../model/complaint.ts';
import type { Clock, ComplaintStore, Notification, Notifier } from '../ports.ts';
import { type LadderStep, ladder, type SlaPolicy } from '../sla/policy.ts';

export interface SlaDeps {
  store: ComplaintStore;
  notifier: Notifier;
  clock: Clock;
  policy: SlaPolicy;
  /** How a person acknowledges from a phone, e.g. the API's ack URL. */
  ackHint: (complaintId: string) => string;
}

/** What the state machine does next: stop, or wait this many wall-clock seconds and call again. */
export type SlaNext = { done: true; reason: string } | { done: false; waitSeconds: number; nextStep: string };

const PLATFORM_NAMES: Record<Complaint['platform'], string> = {
  x: 'X',
  facebook: 'Facebook',
  messenger: 'Messenger',
  instagram: 'Instagram',
  whatsapp: 'WhatsApp',
  generic: 'a connected source',
};

export function formatWait(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

export function trimText(text: string, max = 140): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

export function buildNotification(c: Complaint, step: LadderStep, now: Date, ackHint: string): Notification {
  const who = c.author.handle ? `@${c.author.handle}` : (c.author.name ?? c.author.id);
  const where = PLATFORM_NAMES[c.platform];
  const waited = formatWait(now.getTime() - Date.parse(c.receivedAt));
  const headline = step.level === 0 ? 'SLA warning' : `L${step.level} escalation`;
  const subject = `[Heed] ${headline}: ${c.severity} ${c.kind} from ${who} on ${where}, waiting ${waited}`;
  const message = [
    `${headline} — ${c.severity} ${c.kind}, unanswered for ${waited} (due ${c.ackDueAt}).`,
    `From ${who} on ${where}${c.channel === 'private' ? ' (private message)' : ''}:`,
    `"${trimText(c.text)}"`,
    c.permalink ? `Open: ${c.permalink}` : undefined,
    `Acknowledge: ${ackHint}`,
    `Complaint ${c.id}`,
  ]
    .filter(Boolean)
    .join('\n');
  return {
    complaintId: c.id,
    step: step.id,
    level: step.level,
    audience: step.audience,
    subject: subject.slice(0, 99), // SNS email subjects stop at 100 characters.
    message,
    attributes: {
      level: String(step.level),
      severity: c.severity,
      platform: c.platform,
      audience: step.audience,
      channels: step.channels.join(','),
    },
  };
}

/**
 * One tick of a complaint's SLA timer: fire every step that is due (each exactly once, and only while
 * the complaint is open), then say how long to wait for the next. Safe to re-run at any time.
 */
export async function advanceSla(complaintId: string, deps: SlaDeps): Promise<SlaNext> {
  const complaint = await deps.store.get(complaintId);
  if (!complaint) return { done: true, reason: 'not-found' };
  if (complaint.status !== 'open') return { done: true, reason: complaint.status };
  const now = deps.clock.now();
  const pending = ladder(deps.policy, complaint).filter((step) => !complaint.slaSteps.includes(step.id));
  for (const step of pending) {
    if (step.at.getTime() > now.getTime()) {
      const waitSeconds = Math.max(1, Math.ceil(deps.clock.realMsUntil(step.at) / 1000));
      return { done: false, waitSeconds, nextStep: step.id };
    }
    // Re-read through the condition: a complaint acknowledged a moment ago is never notified.
    const notification = buildNotification(complaint, step, now, deps.ackHint(complaint.id));
    const claimed = await deps.store.claimSlaStep(
      complaint.id,
      step.id,
      step.level === 0 ? {} : { breached: true, escalationLevel: step.level },
      {
        at: now.toISOString(),
        type: step.level === 0 ? 'sla-warning' : step.level === 1 ? 'breached' : 'escalated',
        detail: { step: step.id, level: step.level, audience: step.audience, channels: step.channels },
      },
    );
    if (claimed === 'not-open' || claimed === 'missing') return { done: true, reason: claimed };
    if (claimed === 'already-fired') continue;
    try {
      await deps.notifier.publish(notification);
    } catch (error) {
      await deps.store.releaseSlaStep(complaint.id, step.id);
      throw error;
    }
  }
  return { done: true, reason: 'ladder-complete' };
}
