import { type Kind, SEVERITY_ORDER, type Severity } from '../model/complaint.ts';
import type { TriageInput } from './input.ts';

/** Risk words raise severity whatever the model says: each group names why. */
const RISKS: { reason: string; severity: Severity; pattern: RegExp }[] = [
  {
    reason: 'legal threat',
    severity: 'critical',
    pattern: /\b(lawyers?|lawsuit|sue|suing|legal action|court|attorney|solicitor)\b/i,
  },
  {
    reason: 'safety',
    severity: 'critical',
    pattern:
      /\b(unsafe|injur(y|ed|ies)|fire|poison(ed|ing)?|hospital|dangerous|explod(ed|ing)|food poisoning)\b/i,
  },
  {
    reason: 'fraud',
    severity: 'critical',
    pattern: /\b(fraud|stolen|scamm?ed|unauthori[sz]ed (charge|transaction)s?|identity theft)\b/i,
  },
  {
    reason: 'data leak',
    severity: 'critical',
    pattern: /\b(data (leak|breach)|leaked|hacked|my (personal )?data)\b/i,
  },
  {
    reason: 'outage',
    severity: 'high',
    pattern:
      /\b(outage|is down|are down|not loading|offline|crash(es|ed|ing)?|can'?t (log ?in|sign ?in|access))\b/i,
  },
  {
    reason: 'cancellation',
    severity: 'high',
    pattern:
      /\b(cancel(l?ing)? my|switching to|close my account|never (buying|using|flying|ordering)|leaving you)\b/i,
  },
];
function isVip(input: TriageInput): boolean {
  const list = input.vipAuthors ?? [];
  const { id, handle } = input.author ?? {};
  return (
    (id !== undefined && list.includes(`${input.platform ?? ''}:${id}`)) ||
    (handle !== undefined && list.includes(`@${handle.toLowerCase()}`))
  );
}

/**
 * Severity of a complaint or question (the kinds that may need an answer; the rest are always low)
 * starts at the strength of reproach, one level each (no explicit reproach → low … blame →
 * critical), as said in public; a private message is one level lower; reach raises it (verified or
 * 10k+ followers one level, 100k+ followers or a VIP two); risk words set a floor.
 */
export function severityFor(kind: Kind, reproach: number, input: TriageInput, reasons: string[]): Severity {
  if (kind !== 'complaint' && kind !== 'question') return 'low';
  let level = reproach;
  if (input.channel === 'private') level -= 1;
  const followers = input.author?.followers ?? 0;
  let reach = 0;
  if (input.author?.verified || followers >= 10_000) reach = 1;
  if (followers >= 100_000) reach = 2;
  if (isVip(input)) {
    reach = 2;
    reasons.push('reach: VIP author');
  } else if (reach > 0)
    reasons.push(
      `reach: ${input.author?.verified ? 'verified author' : `${followers.toLocaleString('en-US')} followers`}`,
    );
  let severity = SEVERITY_ORDER[Math.max(0, Math.min(3, level + reach))]!;
  for (const risk of RISKS) {
    if (!risk.pattern.test(input.text)) continue;
    reasons.push(`risk: ${risk.reason}`);
    if (SEVERITY_ORDER.indexOf(risk.severity) > SEVERITY_ORDER.indexOf(severity)) severity = risk.severity;
  }
  return severity;
}
