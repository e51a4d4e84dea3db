import { randomUUID } from 'node:crypto';
import type { Complaint } from '../model/complaint.ts';
import type {
  Clock,
  ComplaintRepository,
  Notification,
  Notifier,
  StepDelivery,
  StormLedger,
} from '../ports.ts';
import { isSuperseded, type LadderStep, ladder, type SlaPolicy } from '../sla/policy.ts';
import { PLATFORM_SPECS } from '../sources.ts';

export interface SlaDeps {
  store: ComplaintRepository;
  storms: StormLedger;
  notifier: Notifier;
  clock: Clock;
  policy: SlaPolicy;
  /** Carried in every notification's `team` attribute, for subscription filter policies. */
  team?: string;
  /** How a person acknowledges from a phone, e.g. the API's ack URL. */
  ackHint: (complaintId: string) => string;
}

/** What the state machine does next: stop, or wait this many wall-clock seconds and call again. */
export type SlaNext = { done: true; reason: string } | { done: false; waitSeconds: number; nextStep: string };

export function formatWait(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

/**
 * Customer-controlled text made safe for a notification: one line (control characters, line and
 * paragraph separators become spaces), bounded. SNS refuses a subject with a line break, and a
 * line break in a name could forge a line ("Acknowledge: …") in the SMS.
 */
export function trimText(text: string, max = 140): string {
  const oneLine = text
    .replace(/[\p{C}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(oneLine); // by code point: never half an emoji
  return chars.length <= max ? oneLine : `${chars.slice(0, max - 1).join('')}…`;
}

/** The author as shown in a notification: handle, else name, else id; always one short line. */
function authorLabel(author: Complaint['author']): string {
  return author.handle
    ? `@${trimText(author.handle, 30)}`
    : trimText(author.name ?? author.id, 40) || 'someone';
}

/** SNS subjects: under 100 characters, no line breaks or control characters. */
const SUBJECT_MAX = 99;

export function buildNotification(c: Complaint, step: LadderStep, now: Date, ackHint: string): Notification {
  const who = authorLabel(c.author);
  const where = PLATFORM_SPECS[c.platform].displayName;
  const waited = formatWait(now.getTime() - Date.parse(c.receivedAt));
  const headline = step.level === 0 ? 'SLA warning' : `L${step.level} escalation`;
  const subject = `[Heed] ${headline}: ${c.severity} ${c.kind} from ${who} on ${where}, waiting ${waited}`;
  const message = [
    `${headline} — ${c.severity} ${c.kind}, unanswered for ${waited} (due ${c.ackDueAt}).`,
    `From ${who} on ${where}${c.channel === 'private' ? ' (private message)' : ''}:`,
    `"${trimText(c.text)}"`,
    c.permalink ? `Open: ${trimText(c.permalink, 300)}` : undefined,
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
    subject: trimText(subject, SUBJECT_MAX),
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

/** Storm digests are keyed `<audience>#<level>#<interval start ms>`; they are sent when the interval ends. */
function digestKey(audience: string, level: number, dueAt: number, digestMinutes: number): string {
  const interval = digestMinutes * 60_000;
  return `${audience}#${level}#${Math.floor(dueAt / interval) * interval}`;
}

function digestEnd(key: string, digestMinutes: number): number {
  return Number(key.split('#')[2]) + digestMinutes * 60_000;
}

export function digestLine(c: Complaint, now: Date): string {
  const who = authorLabel(c.author);
  return `${c.severity} ${c.kind} from ${who} on ${PLATFORM_SPECS[c.platform].displayName}, waiting ${formatWait(now.getTime() - Date.parse(c.receivedAt))}: "${trimText(c.text, 80)}" (${c.id})`;
}

export function buildDigest(key: string, lines: string[], windowMinutes: number): Notification {
  const [audience, level] = key.split('#') as [string, string];
  const shown = lines.slice(0, 25);
  return {
    complaintId: '',
    step: 'digest',
    level: Number(level),
    audience,
    subject: trimText(`[Heed] Storm: ${lines.length} complaints breached their SLA (digest)`, SUBJECT_MAX),
    message: [
      `${lines.length} complaints breached within ${windowMinutes} min — a viral moment? One digest instead of ${lines.length} messages:`,
      ...shown.map((l) => `- ${l}`),
      lines.length > shown.length
        ? `…and ${lines.length - shown.length} more (GET /complaints?status=open)`
        : undefined,
    ]
      .filter(Boolean)
      .join('\n'),
    attributes: {
      level: level,
      severity: 'mixed',
      platform: 'mixed',
      audience,
      // Which digest (audience, level, interval): each member complaint records the same key.
      digest: key,
      count: String(lines.length),
    },
  };
}

/** When a complaint's timer must wake for the digests it joined: domain time of the next interval end, or sooner (real ms) to look again at one another attempt holds. */
interface DigestWake {
  at: number;
  realMs: number;
}

/**
 * Sends the storm digests this complaint joined whose interval has ended. Every member tries; one at a
 * time holds the claim (a lease, so a claimant that dies is taken over), and only a published digest
 * is marked sent: the claim is tied to this tick's token, so a retried or late request of an earlier
 * attempt can neither take nor free anyone else's claim.
 */
async function settleDigests(
  complaint: Complaint,
  now: number,
  token: string,
  deps: SlaDeps,
): Promise<DigestWake> {
  const wake = { at: Number.POSITIVE_INFINITY, realMs: Number.POSITIVE_INFINITY };
  const storm = deps.policy.storm;
  if (!storm) return wake;
  for (const key of complaint.pendingDigests ?? []) {
    const end = digestEnd(key, storm.digestMinutes);
    if (end > now) {
      wake.at = Math.min(wake.at, end);
      continue;
    }
    const wallNow = deps.clock.wallNow();
    const claim = await deps.storms.claimDigest(key, { token, at: wallNow, leaseMs: CLAIM_LEASE_MS });
    if (claim.state === 'in-flight') {
      wake.realMs = Math.min(wake.realMs, Math.max(1000, claim.until - wallNow.getTime()));
      continue;
    }
    if (claim.state === 'claimed') {
      // From the claim on, a failure before the publish gives the digest back for a retry to send.
      try {
        // A member acknowledged in the meantime is left out: nothing is sent about it any more.
        const open = await Promise.all(
          claim.members.map(
            async (m) =>
              (m.complaintId === complaint.id ? complaint : await deps.store.get(m.complaintId))?.status ===
              'open',
          ),
        );
        const lines = claim.members.filter((_, i) => open[i]).map((m) => m.line);
        if (lines.length > 0) {
          const digest = buildDigest(key, lines, storm.windowMinutes);
          await deps.notifier.publish({
            ...digest,
            attributes: { ...digest.attributes, team: deps.team ?? 'support' },
          });
        }
      } catch (error) {
        await deps.storms.releaseDigest(key, token);
        throw error;
      }
      // Not released if this fails: the digest is out; after the lease a member may send it again
      // (at least once, as SNS itself delivers).
      await deps.storms.markDigestSent(key, token);
    }
    await deps.storms.forgetDigest(key, complaint.id);
  }
  return wake;
}

/**
 * True when this notification goes into a storm digest instead of being sent on its own: more than
 * `threshold` complaints breached this level with due times within `windowMinutes` of this one (a
 * sliding window over due times, not the moment the timer ran, so a replay counts the same).
 */
async function inStorm(complaint: Complaint, step: LadderStep, deps: SlaDeps): Promise<boolean> {
  const storm = deps.policy.storm;
  if (!storm || step.level < 1) return false;
  const within = storm.windowMinutes * 60_000;
  return (await deps.storms.countBreaches(step.level, complaint.id, step.dueAt, within)) > storm.threshold;
}

/**
 * How long a claimed step belongs to the attempt that claimed it: longer than the SLA step Lambda's
 * timeout, so only an attempt that died can lose it.
 */
export const CLAIM_LEASE_MS = 60_000;

const waitFor = (deps: SlaDeps, at: number) =>
  Number.isFinite(at) ? Math.max(1, Math.ceil(deps.clock.realMsUntil(new Date(at)) / 1000)) : Infinity;

/** Seconds until the earlier of a domain time and a real delay. */
const wakeIn = (deps: SlaDeps, at: number, realMs: number) =>
  Math.min(waitFor(deps, at), Math.max(1, Math.ceil(realMs / 1000)));

/**
 * One tick of a complaint's SLA timer: fire every step that is due (each exactly once, and only while
 * the complaint is open), then say how long to wait for the next. In a storm (more than N breaches in
 * M minutes) the notifications go into one digest per audience and interval, while each complaint's
 * timeline still records its own breach. Safe to re-run at any time.
 */
export async function advanceSla(complaintId: string, deps: SlaDeps): Promise<SlaNext> {
  const complaint = await deps.store.get(complaintId);
  if (!complaint) return { done: true, reason: 'not-found' };
  const now = deps.clock.now();
  // One token per tick: a claim whose response was lost and retried is recognised as this tick's.
  const token = randomUUID();
  // A digest this complaint joined is settled by whichever member's timer comes first (its own
  // stops when it is acknowledged; then the others carry it).
  const digests = await settleDigests(complaint, now.getTime(), token, deps);
  if (complaint.status !== 'open') {
    return Number.isFinite(Math.min(digests.at, digests.realMs))
      ? { done: false, waitSeconds: wakeIn(deps, digests.at, digests.realMs), nextStep: 'digest' }
      : { done: true, reason: complaint.status };
  }
  const steps = ladder(deps.policy, complaint);
  const pending = steps.filter(
    (step) => !complaint.slaSteps.includes(step.id) && !isSuperseded(step, steps, complaint.slaSteps),
  );
  // Every due step fires now, whatever the others wait for: quiet hours on one audience never hold
  // back a later level for another. The timer then wakes for the earliest step still to come.
  let next = { at: digests.at, step: 'digest' };
  let level = complaint.escalationLevel;
  for (const step of pending) {
    if (step.at.getTime() > now.getTime()) {
      if (step.at.getTime() < next.at) next = { at: step.at.getTime(), step: step.id };
      continue;
    }
    // Re-read through the condition: a complaint acknowledged a moment ago is never notified.
    level = Math.max(level, step.level);
    const claimed = await deps.store.claimSlaStep(
      complaint.id,
      step.id,
      step.level === 0 ? {} : { breached: true, escalationLevel: level },
      {
        at: now.toISOString(),
        type: step.level === 0 ? 'sla-warning' : step.level === 1 ? 'breached' : 'escalated',
        detail: {
          step: step.id,
          level: step.level,
          audience: step.audience,
          channels: step.channels,
          dueAt: step.dueAt.toISOString(),
        },
      },
      { token, at: deps.clock.wallNow(), leaseMs: CLAIM_LEASE_MS },
    );
    if (claimed === 'not-open' || claimed === 'missing') return { done: true, reason: claimed };
    if (claimed === 'already-fired') continue;
    // Another attempt holds it and has not paged yet: look again when its lease runs out.
    if (claimed === 'in-flight') {
      next = earlier(next, now.getTime() + CLAIM_LEASE_MS, step.id);
      continue;
    }
    let delivery: StepDelivery = { via: 'page', at: now.toISOString() };
    try {
      const key = (await inStorm(complaint, step, deps))
        ? digestKey(step.audience, step.level, step.dueAt.getTime(), deps.policy.storm!.digestMinutes)
        : null;
      // A digest already sent cannot carry this breach any more: it goes out on its own.
      const joined = key
        ? await deps.storms.joinDigest(key, complaint.id, digestLine(complaint, now))
        : 'sent';
      if (joined === 'joined') {
        next = earlier(next, digestEnd(key!, deps.policy.storm!.digestMinutes), 'digest');
        delivery = { via: 'digest', digest: key!, at: now.toISOString() };
      } else {
        const notification = buildNotification(complaint, step, now, deps.ackHint(complaint.id));
        await deps.notifier.publish({
          ...notification,
          attributes: { ...notification.attributes, team: deps.team ?? 'support' },
        });
      }
    } catch (error) {
      await deps.store.releaseSlaStep(complaint.id, step.id, token);
      throw error;
    }
    // Not released if this fails: the page is out; after the lease a retry may page again (at least once).
    await deps.store.markStepSent(complaint.id, step.id, token, delivery);
  }
  if (Number.isFinite(next.at) || Number.isFinite(digests.realMs)) {
    const waitSeconds = wakeIn(deps, next.at, digests.realMs);
    return {
      done: false,
      waitSeconds,
      nextStep: waitSeconds === waitFor(deps, next.at) ? next.step : 'digest',
    };
  }
  return { done: true, reason: 'ladder-complete' };
}

function earlier(next: { at: number; step: string }, at: number, step: string) {
  return at < next.at ? { at, step } : next;
}
