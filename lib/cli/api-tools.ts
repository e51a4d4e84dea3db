import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Complaint, TimelineEvent } from '#core/model/complaint.ts';
import { REPROACH_LEVELS } from '#core/model/complaint.ts';
import { explainDeadline, isSuperseded, ladder, type SlaPolicy } from '#core/sla/policy.ts';
import { loadStageConfig } from '../config/stage-config.ts';
import { PROJECT_ROOT } from '../constructs/node-function.ts';
import { CSV_HEADER, toCsvField } from '../training/dataset.ts';
import type { ApiClient } from './api-client.ts';

/** Corrected complaints as training rows, in the same CSV format as the shared development file. */
export function toLabelRow(c: Complaint): string {
  const complaint = c.kind === 'complaint' ? 1 : 0;
  const level = complaint
    ? Math.max(
        1,
        REPROACH_LEVELS.indexOf((c.reproach ?? REPROACH_LEVELS[0]) as (typeof REPROACH_LEVELS)[number]) + 1,
      )
    : 0;
  const name = complaint ? REPROACH_LEVELS[level - 1]!.replaceAll(' ', '_') : 'non-complaint';
  return [c.externalId, c.text, String(complaint), String(level), name, `heed-${c.platform}`, '1']
    .map(toCsvField)
    .join(',');
}

export async function exportLabels(client: ApiClient): Promise<void> {
  const get = client.get;
  process.stdout.write(`${CSV_HEADER.join(',')}\n`);
  let cursor: string | null = null;
  do {
    const page: { items: Complaint[]; nextCursor: string | null } = await get(
      `/complaints?corrected=true&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    for (const c of page.items) process.stdout.write(`${toLabelRow(c)}\n`);
    cursor = page.nextCursor;
  } while (cursor);
}

export async function slaExplain(id: string, client: ApiClient): Promise<void> {
  const cdk = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const { sla } = loadStageConfig({
    tryGetContext: (key) => cdk.context[key] ?? process.env[`CDK_CONTEXT_${key}`],
  });
  const complaint = await client.get<Complaint & { timeline: TimelineEvent[] }>(
    `/complaints/${encodeURIComponent(id)}`,
  );
  console.log(
    `Complaint ${complaint.id}: ${complaint.severity} ${complaint.kind} on ${complaint.platform}, ${complaint.status}`,
  );
  console.log(`  received      ${complaint.receivedAt}`);
  if (!complaint.ackDueAt) {
    console.log(
      `  no SLA clock: '${complaint.kind}' is not an actionable kind (${sla.actionableKinds.join(', ')})`,
    );
    return;
  }
  console.log(`  due           ${complaint.ackDueAt}   (${explainDeadline(sla, complaint)})`);
  for (const line of explainSteps(sla, complaint)) console.log(line);
  if (complaint.acknowledgedAt)
    console.log(`  acknowledged  ${complaint.acknowledgedAt} by ${complaint.acknowledgedBy?.by}`);
}

/** One line per ladder step: what happened to it, and why. */
export function explainSteps(sla: SlaPolicy, complaint: Complaint): string[] {
  const steps = ladder(sla, complaint);
  return steps.map((step) => {
    const delivery = complaint.slaDelivery?.[step.id];
    const deferred =
      step.at.getTime() !== step.dueAt.getTime()
        ? ` (due ${step.dueAt.toISOString()}, deferred by quiet hours)`
        : '';
    const state = delivery
      ? delivery.via === 'digest'
        ? `in the storm digest ${delivery.digest} (sent when its interval ends)`
        : `sent ${delivery.at}`
      : isSuperseded(step, steps, complaint.slaSteps)
        ? 'skipped: the breach superseded it'
        : complaint.status !== 'open'
          ? `not sent: ${complaint.status} first`
          : 'pending';
    return `  ${step.id.padEnd(8)}      ${step.at.toISOString()}   → ${step.audience} by ${step.channels.join(' + ')}; ${state}${deferred}`;
  });
}
