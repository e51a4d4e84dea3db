import fc from 'fast-check';
import type { Complaint, Severity } from '#core/model/complaint.ts';
import type { Platform } from '#core/model/interaction.ts';
import type { ComplaintRepository, Notification, Notifier, SlaTimers, StormLedger } from '#core/ports.ts';
import { ackDueAt, DEFAULT_SLA_POLICY, type SlaPolicy } from '#core/sla/policy.ts';
import { advanceSla } from '#core/use-cases/advance-sla.ts';
import { complaintIdFor } from '#core/use-cases/complaint-id.ts';
import { acknowledge, correct, resolve } from '#core/use-cases/manage-complaints.ts';
import { processEvent } from '#core/use-cases/process-event.ts';
import { queuedTweet } from '../fixtures/deliveries.ts';
import { complaint, FixedClock, MemoryTimers, processDeps } from './fakes.ts';
import { type ExpectedPage, expectedPages, type ModelComplaint } from './ladder-model.ts';

/**
 * Drives the real use-cases through random histories on a virtual clock, with the faults a deployed
 * ladder meets, and compares what was sent with the reference model (ladder-model.ts).
 */
/** A complaint of a history: the model's facts, and the events that may change its deadline. */
export interface HistoryComplaint extends ModelComplaint {
  /** An agent corrects the severity to critical. */
  correctedAt?: number;
  /** The author follows up in the thread, angrier. */
  followUpAt?: number;
}

export interface History {
  policy: SlaPolicy;
  complaints: HistoryComplaint[];
  faults: {
    /** A claim applied but its response lost (the SDK retries the same request). */
    lostClaimResponse: number;
    /** SNS refuses the publish (the step is released and retried by the state machine). */
    publishFailure: number;
    /** The Lambda dies between claim and publish (no release: the claim's lease must run out). */
    crashAfterClaim: number;
    /** A second timer execution runs the same complaint at a random moment (a redelivery, a new generation). */
    duplicateTick: number;
    /** StartExecution throttled: the correction fails and the agent's console retries it a second later. */
    startFailure: number;
  };
}

const T0 = Date.parse('2026-11-23T00:00:00.000Z');
const MIN = 60_000;

const audienceQuiet = fc.option(
  fc.record({
    timeZone: fc.constantFrom('UTC', 'America/New_York', 'Europe/Berlin'),
    start: fc.constantFrom('18:00', '20:00', '22:00'),
    end: fc.constantFrom('06:00', '07:30', '09:00'),
  }),
  { nil: undefined },
);

export const history: fc.Arbitrary<History> = fc
  .record({
    warningAt: fc.option(fc.constantFrom(0.5, 0.75), { nil: null }),
    storm: fc.option(
      fc.record({
        threshold: fc.constantFrom(1, 2),
        windowMinutes: fc.constantFrom(15, 60),
        digestMinutes: fc.constant(15),
      }),
      { nil: null },
    ),
    quiet: fc.record({ team: audienceQuiet, oncall: audienceQuiet, manager: audienceQuiet }),
    complaints: fc.array(
      fc.record({
        platform: fc.constantFrom<Platform>('x', 'facebook', 'whatsapp'),
        severity: fc.constantFrom<Severity>('low', 'medium', 'high', 'critical'),
        receivedAt: fc.integer({ min: 0, max: 48 * 60 }).map((m) => T0 + m * MIN + 7_919),
        ackAfterMinutes: fc.option(fc.integer({ min: 1, max: 24 * 60 }), { nil: undefined }),
        correctAfterMinutes: fc.option(fc.integer({ min: 1, max: 12 * 60 }), { nil: undefined }),
        resolved: fc.boolean(),
        followUpAfterMinutes: fc.option(fc.integer({ min: 1, max: 12 * 60 }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    faults: fc.record({
      lostClaimResponse: fc.constantFrom(0, 0.3),
      publishFailure: fc.constantFrom(0, 0.2),
      crashAfterClaim: fc.constantFrom(0, 0.15),
      duplicateTick: fc.constantFrom(0, 0.3),
      startFailure: fc.constantFrom(0, 0.5),
    }),
  })
  .map(({ warningAt, storm, quiet, complaints, faults }) => ({
    policy: {
      ...DEFAULT_SLA_POLICY,
      warningAt,
      storm,
      quietHours: Object.fromEntries(Object.entries(quiet).filter(([, q]) => q)) as SlaPolicy['quietHours'],
    },
    complaints: complaints.map((c, i) => ({
      // The id is derived from the message id, as intake derives it: a reply in the thread finds it.
      id: complaintIdFor(c.platform, messageId(i)),
      platform: c.platform,
      severity: c.severity,
      receivedAt: c.receivedAt,
      // Acknowledgements fall between whole seconds, so they never tie with a step's send time.
      acknowledgedAt:
        c.ackAfterMinutes === undefined ? undefined : c.receivedAt + c.ackAfterMinutes * MIN + 503,
      resolved: c.resolved,
      correctedAt:
        c.correctAfterMinutes === undefined ? undefined : c.receivedAt + c.correctAfterMinutes * MIN + 251,
      // Follow-ups are X replies: only X complaints get them.
      followUpAt:
        c.followUpAfterMinutes === undefined || c.platform !== 'x'
          ? undefined
          : c.receivedAt + c.followUpAfterMinutes * MIN + 127,
    })),
    faults,
  }));

/** An angrier follow-up: triage reads it as critical (a threat to go to a lawyer). */
const FOLLOW_UP = '@brand and now my lawyer will hear about this, disgusting fraud';

const messageId = (i: number, namespace = 0) =>
  `18${String(namespace).padStart(6, '0')}0000${String(i).padStart(4, '0')}`;

export interface Sent {
  complaintId: string;
  step: string;
  at: number;
}

/** A deterministic pseudo-random source, so a failing history replays exactly (fast-check gives the seed). */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

class CrashAfterClaim extends Error {}

/**
 * Runs the history: each complaint's timer ticks when advanceSla asks (the state machine's Wait), a
 * failed tick is retried after 5 s (the Retry), faults are injected at the rates given, and each
 * acknowledgement lands at its time. Returns every page that went out, with when.
 */
export async function simulate(
  h: History,
  seed: number,
  make: () => { store: ComplaintRepository; storms: StormLedger },
  /** Distinct message ids per run, when runs share a table. */
  namespace = 0,
): Promise<{ sent: Sent[]; model: ModelComplaint[] }> {
  h = {
    ...h,
    complaints: h.complaints.map((c, i) => ({
      ...c,
      id: complaintIdFor(c.platform, messageId(i, namespace)),
    })),
  };
  const rand = random(seed);
  const clock = new FixedClock(new Date(T0));
  const { store, storms } = make();
  const sent: Sent[] = [];
  let crashing = false;
  const notifier: Notifier = {
    async publish(n: Notification) {
      if (rand() < h.faults.publishFailure) throw new Error('SNS unavailable');
      if (rand() < h.faults.crashAfterClaim) {
        crashing = true;
        throw new CrashAfterClaim('the Lambda died between claim and publish');
      }
      const at = clock.now().getTime();
      if (n.step !== 'digest') sent.push({ complaintId: n.complaintId, step: n.step, at });
      // A digest delivers the level's step to each complaint it lists.
      else
        for (const line of n.message.split('\n').filter((l) => l.startsWith('- ')))
          sent.push({ complaintId: /\((c_[^)]+)\)$/.exec(line)![1]!, step: `L${n.level}`, at });
    },
  };
  const faulty: ComplaintRepository = Object.create(store);
  faulty.claimSlaStep = async (...args) => {
    const first = await store.claimSlaStep(...args);
    return rand() < h.faults.lostClaimResponse ? store.claimSlaStep(...args) : first;
  };
  faulty.releaseSlaStep = async (...args) => {
    if (crashing) return; // a dead Lambda releases nothing
    return store.releaseSlaStep(...args);
  };
  const deps = { store: faulty, storms, notifier, clock, policy: h.policy, ackHint: () => 'https://console' };

  type Event = { at: number; kind: 'tick' | 'ack' | 'correct' | 'follow-up'; id: string };
  const queue: Event[] = [];
  for (const c of h.complaints) {
    const base = { platform: c.platform, severity: c.severity, kind: 'complaint' as const };
    const receivedAt = new Date(c.receivedAt).toISOString();
    const record: Complaint = complaint({
      id: c.id,
      externalId: messageId(h.complaints.indexOf(c), namespace),
      conversationId: messageId(h.complaints.indexOf(c), namespace),
      author: { id: `author-${c.id}`, handle: 'ann' },
      ...base,
      receivedAt,
      ackDueAt: ackDueAt(h.policy, { ...base, receivedAt }),
    });
    await store.create(record, []);
    queue.push({ at: c.receivedAt, kind: 'tick', id: c.id });
    if (c.acknowledgedAt !== undefined) queue.push({ at: c.acknowledgedAt, kind: 'ack', id: c.id });
    if (c.correctedAt !== undefined) queue.push({ at: c.correctedAt, kind: 'correct', id: c.id });
    if (c.followUpAt !== undefined) queue.push({ at: c.followUpAt, kind: 'follow-up', id: c.id });
  }
  const timers = new MemoryTimers();
  const changes = new Map<string, { at: number; severity: Severity }[]>();
  // A started execution ticks at once (and then as it asks); a throttled start fails the request.
  const executions: SlaTimers = {
    async start(_name, complaintId) {
      if (rand() < h.faults.startFailure) throw new Error('ThrottlingException');
      queue.push({ at: clock.now().getTime(), kind: 'tick', id: complaintId });
    },
    async stop() {},
  };
  for (let steps = 0; queue.length > 0 && steps < 10_000; steps++) {
    queue.sort((a, b) => a.at - b.at || (a.kind === 'ack' ? -1 : 1));
    const event = queue.shift()!;
    clock.current = new Date(event.at);
    if (event.kind === 'ack') {
      const close = h.complaints.find((c) => c.id === event.id)?.resolved ? resolve : acknowledge;
      await close(event.id, 'agent', undefined, { store, timers, clock, onWarning: () => {} });
      continue;
    }
    if (event.kind === 'correct' || event.kind === 'follow-up') {
      // What the deadline is before and after tells the model whether it changed, and to what.
      const before = await store.get(event.id);
      const retry = () => queue.push({ at: event.at + 1_000, kind: event.kind, id: event.id });
      if (event.kind === 'correct') {
        const manage = { store, timers: executions, clock, policy: h.policy, onWarning: () => {} };
        await correct(event.id, 'agent', { severity: 'critical' }, manage).catch(retry);
      } else if (before?.status === 'open') {
        // The complaint's author replies in its thread; the processor threads and triages it. (After
        // an acknowledgement a reply opens a complaint of its own: outside this model.)
        const reply = queuedTweet(clock.now(), `${before!.externalId}9`, FOLLOW_UP, {
          user: before!.author.id,
          replyTo: before!.externalId,
        });
        const deps = processDeps({
          store,
          timers: executions,
          clock,
          policy: h.policy,
          threadWindowMinutes: 24 * 60,
        });
        await processEvent(reply, deps).catch(retry);
      }
      const after = await store.get(event.id);
      if (after && before && after.ackDueAt !== before.ackDueAt && after.ackDueAt)
        changes.set(event.id, [...(changes.get(event.id) ?? []), { at: event.at, severity: after.severity }]);
      continue;
    }
    crashing = false;
    try {
      const next = await advanceSla(event.id, deps);
      if (!next.done) queue.push({ at: event.at + next.waitSeconds * 1000, kind: 'tick', id: event.id });
      // Another execution of the same complaint wakes at a random moment.
      if (rand() < h.faults.duplicateTick)
        queue.push({ at: event.at + Math.floor(rand() * 3 * 3_600_000), kind: 'tick', id: event.id });
    } catch {
      queue.push({ at: event.at + 5_000, kind: 'tick', id: event.id }); // the state machine's Retry
    }
  }
  const model = h.complaints.map(({ correctedAt: _c, followUpAt: _f, ...c }) => ({
    ...c,
    changes: changes.get(c.id),
  }));
  return { sent, model };
}

/**
 * What differs between the pages sent and the model's, as readable lines (empty when they agree).
 * A page due shortly before its acknowledgement may have been held up by the injected faults until
 * the acknowledgement: it may go out or not, but never twice and never after the acknowledgement.
 */
export function compare(
  expected: ExpectedPage[],
  sent: Sent[],
  ackAt: Map<string, number>,
  faults: History['faults'],
  storm: SlaPolicy['storm'],
  /** How late a page may be (the twin's sped-up clock is coarser than the simulation's). */
  lateness?: number,
): string[] {
  // Without crashes only the 5 s retries delay a page (eleven failures in a row at 20% is 2e-8); a
  // dead attempt's claim holds for its 60 s lease; a digest goes out when its interval ends.
  const bound =
    (lateness ?? (faults.crashAfterClaim > 0 ? 30 * MIN : 55_000)) + (storm ? storm.digestMinutes * MIN : 0);
  const problems: string[] = [];
  const key = (p: { complaintId: string; step: string }) => `${p.complaintId} ${p.step}`;
  const sentBy = new Map<string, Sent[]>();
  for (const s of sent) sentBy.set(key(s), [...(sentBy.get(key(s)) ?? []), s]);
  for (const page of expected) {
    const got = sentBy.get(key(page)) ?? [];
    // Held up by faults, a page may miss its chance: the acknowledgement came first, or (a warning)
    // a level went out first and superseded it.
    const optional =
      (ackAt.get(page.complaintId) ?? Number.POSITIVE_INFINITY) < page.at + bound ||
      (page.step === 'warning' &&
        expected.some(
          (p) => p.complaintId === page.complaintId && p.step !== 'warning' && p.at < page.at + bound,
        ));
    if (got.length > 1 || (got.length === 0 && !optional))
      problems.push(`${key(page)}: sent ${got.length} times, expected once`);
    for (const s of got)
      if (s.at < page.at || s.at > page.at + bound)
        problems.push(
          `${key(page)}: sent at ${new Date(s.at).toISOString()}, due ${new Date(page.at).toISOString()}`,
        );
  }
  const expectedKeys = new Set(expected.map(key));
  for (const s of sent) {
    // A warning the model supersedes may still go out when faults held its levels up: never once one
    // of them has gone out.
    const levelSentBefore = sent.some(
      (o) => o.complaintId === s.complaintId && o.step !== 'warning' && o.at < s.at,
    );
    const heldUp =
      s.step === 'warning' && !levelSentBefore && (faults.crashAfterClaim > 0 || faults.publishFailure > 0);
    if (!expectedKeys.has(key(s)) && !heldUp) problems.push(`${key(s)}: sent, but the model sends nothing`);
    if (s.at >= (ackAt.get(s.complaintId) ?? Number.POSITIVE_INFINITY))
      problems.push(`${key(s)}: sent after the acknowledgement`);
  }
  return problems;
}

export { expectedPages };
