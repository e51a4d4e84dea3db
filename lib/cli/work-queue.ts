import Table from 'cli-table3';
import type { Complaint } from '#core/model/complaint.ts';
import type { Stats } from '#core/stats/summary.ts';
import type { ApiClient } from './api-client.ts';

/** Where a command writes: stdout for people and scripts (tests capture it). */
export type Out = (text: string) => void;

/** No colours: the output is read in terminals, logs and pipes alike. */
const PLAIN = { head: [], border: [] };

const trim = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** "in 12 min", "3 h 05 min late": the time left to a deadline, as the console shows it. */
export function timeLeft(ackDueAt: string | null, now = Date.now()): string {
  if (!ackDueAt) return '—';
  const minutes = Math.round((Date.parse(ackDueAt) - now) / 60_000);
  const span = Math.abs(minutes);
  const text =
    span >= 60 ? `${Math.floor(span / 60)} h ${String(span % 60).padStart(2, '0')} min` : `${span} min`;
  return minutes >= 0 ? `in ${text}` : `${text} late`;
}

export function complaintsTable(items: Complaint[], now = Date.now()): string {
  const table = new Table({
    style: PLAIN,
    head: ['id', 'platform', 'severity', 'kind', 'status', 'deadline', 'assignee', 'author', 'text'],
  });
  for (const c of items)
    table.push([
      c.id,
      c.platform,
      c.severity,
      c.kind,
      c.status,
      c.status === 'open' ? timeLeft(c.ackDueAt, now) : '—',
      c.assignee ?? '',
      trim(c.author.handle ? `@${c.author.handle}` : (c.author.name ?? c.author.id), 20),
      trim(c.text.replace(/\s+/g, ' '), 50),
    ]);
  return table.toString();
}

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10}%`);
const minutes = (value: number | null) => (value === null ? '—' : `${value} min`);

export function statsTable(stats: Stats): string {
  const rows = [['all', stats.overall] as const, ...Object.entries(stats.byPlatform)];
  const table = new Table({
    style: PLAIN,
    head: [
      '',
      'needed a response',
      'responded',
      'response rate',
      'within target',
      'breached',
      'p50 to ack',
      'p90 to ack',
      'escalations',
    ],
  });
  for (const [name, s] of rows)
    table.push([
      name,
      s.received,
      s.responded,
      percent(s.responseRate),
      percent(s.withinTargetRate),
      percent(s.breachRate),
      minutes(s.timeToAcknowledge.p50Minutes),
      minutes(s.timeToAcknowledge.p90Minutes),
      Object.entries(s.escalations)
        .map(([level, n]) => `${level}: ${n}`)
        .join(', ') || '—',
    ]);
  const backlog = Object.entries(stats.backlog.bySeverity)
    .filter(([, n]) => n > 0)
    .map(([severity, n]) => `${n} ${severity}`)
    .join(', ');
  return `Complaints received ${stats.since} to ${stats.until}\n${table.toString()}\nOpen now: ${stats.backlog.open}${backlog ? ` (${backlog})` : ''}`;
}

export interface ListOptions {
  status?: string;
  platform?: string;
  author?: string;
  slaState?: string;
  kind?: string;
  severity?: string;
  assignee?: string;
  since?: string;
  until?: string;
  text?: string;
  sort?: string;
  corrected?: boolean;
  limit: number;
  all?: boolean;
}

/** The list's filters that pass to the API under their own name (text is `q`, corrected a flag). */
const QUERY_FILTERS = [
  'status',
  'platform',
  'author',
  'slaState',
  'kind',
  'severity',
  'assignee',
  'since',
  'until',
] as const;
/** Every filter of `heed complaints list`: with none given, the list is the work queue. */
export const LIST_FILTERS = [...QUERY_FILTERS, 'text', 'corrected'] as const;

export async function listComplaints(client: ApiClient, options: ListOptions): Promise<Complaint[]> {
  const items: Complaint[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams();
    for (const key of [...QUERY_FILTERS, 'sort'] as const) if (options[key]) query.set(key, options[key]!);
    if (options.text) query.set('q', options.text);
    if (options.corrected !== undefined) query.set('corrected', String(options.corrected));
    query.set('limit', String(Math.min(options.limit, 100)));
    if (cursor) query.set('cursor', cursor);
    const page: { items: Complaint[]; nextCursor: string | null } = await client.get(`/complaints?${query}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && (options.all || items.length < options.limit));
  return options.all ? items : items.slice(0, options.limit);
}
