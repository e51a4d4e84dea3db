import type { Complaint, TimelineEvent } from '../model/complaint.ts';
import type { Interaction, QueuedEvent } from '../model/interaction.ts';
import { adapterForPlatform } from '../platforms/index.ts';
import type { Clock, ComplaintStore, SlaTimers } from '../ports.ts';
import { ackDueAt, type SlaPolicy } from '../sla/policy.ts';
import { classifyByRules } from '../triage/rules.ts';
import { complaintIdFor } from './complaint-id.ts';

export interface ProcessDeps {
  store: ComplaintStore;
  timers: SlaTimers;
  clock: Clock;
  policy: SlaPolicy;
}

export type ProcessOutcome = {
  complaintId: string;
  result: 'created' | 'duplicate' | 'brand-reply' | 'edited' | 'deleted';
};

function toComplaint(interaction: Interaction, receivedAt: string, policy: SlaPolicy): Complaint {
  const triage = classifyByRules(interaction);
  const base = { platform: interaction.platform, severity: triage.severity, kind: triage.kind, receivedAt };
  return {
    id: complaintIdFor(interaction.platform, interaction.externalId),
    platform: interaction.platform,
    channel: interaction.channel,
    externalId: interaction.externalId,
    conversationId: interaction.conversationId,
    author: interaction.author,
    text: interaction.text,
    permalink: interaction.permalink,
    test: interaction.test,
    deleted: false,
    createdAt: interaction.createdAt,
    receivedAt,
    ...triage,
    status: 'open',
    ackDueAt: ackDueAt(policy, base),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    escalationLevel: 0,
    breached: false,
    slaSteps: [],
  };
}

async function processInteraction(
  interaction: Interaction,
  event: QueuedEvent,
  deps: ProcessDeps,
): Promise<ProcessOutcome> {
  const complaintId = complaintIdFor(interaction.platform, interaction.externalId);
  // Brand replies acknowledge complaints (issue #5); they never open one.
  if (interaction.fromBrand) return { complaintId, result: 'brand-reply' };
  const at = deps.clock.now().toISOString();
  const trace = { deliveryId: interaction.deliveryId };
  if (interaction.action === 'delete') {
    await deps.store.markDeleted(complaintId, { at, type: 'deleted', detail: trace });
    return { complaintId, result: 'deleted' };
  }
  if (interaction.action === 'edit') {
    const edited = await deps.store.applyEdit(complaintId, interaction.text, {
      at,
      type: 'edited',
      detail: trace,
    });
    // An edit that overtook its create carries the whole message: it is stored as the create.
    if (edited) return { complaintId, result: 'edited' };
  }

  const complaint = toComplaint(interaction, event.receivedAt, deps.policy);
  const events: TimelineEvent[] = [
    { at: complaint.receivedAt, type: 'received', detail: { ...trace, platform: complaint.platform } },
    {
      at,
      type: 'classified',
      detail: { kind: complaint.kind, severity: complaint.severity, reasons: complaint.reasons },
    },
  ];
  const created = await deps.store.create(complaint, events);
  if (created && (await deps.store.hasTombstone(complaintId))) {
    await deps.store.markDeleted(complaintId, {
      at,
      type: 'deleted',
      detail: { ...trace, overtookCreate: true },
    });
  }
  // Start the clock on every delivery of an actionable, still-open complaint: the start is idempotent,
  // so a crash between the write and the start heals on the queue's redelivery.
  const stored = created ? complaint : await deps.store.get(complaintId);
  if (stored?.ackDueAt && stored.status === 'open') await deps.timers.start(complaintId);
  return { complaintId, result: created ? 'created' : 'duplicate' };
}

/** Normalize one queued event and store each message it carries. Safe to run any number of times. */
export async function processEvent(event: QueuedEvent, deps: ProcessDeps): Promise<ProcessOutcome[]> {
  const interactions = adapterForPlatform(event.platform).normalize(event);
  const outcomes: ProcessOutcome[] = [];
  for (const interaction of interactions) outcomes.push(await processInteraction(interaction, event, deps));
  return outcomes;
}
