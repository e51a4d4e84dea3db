import { stringify } from 'csv-stringify/sync';
import type { Complaint } from '#core/model/complaint.ts';

/** A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is written with a leading '. */
const FORMULA_START = /^[=+\-@\t\r]/;

const COLUMNS: [string, (c: Complaint) => unknown][] = [
  ['id', (c) => c.id],
  ['platform', (c) => c.platform],
  ['received_at', (c) => c.receivedAt],
  ['status', (c) => c.status],
  ['kind', (c) => c.kind],
  ['severity', (c) => c.severity],
  ['ack_due_at', (c) => c.ackDueAt],
  ['acknowledged_at', (c) => c.acknowledgedAt],
  ['acknowledged_by', (c) => c.acknowledgedBy?.by],
  ['resolved_at', (c) => c.resolvedAt],
  ['breached', (c) => c.breached],
  ['escalation_level', (c) => c.escalationLevel],
  ['assignee', (c) => c.assignee],
  ['author_id', (c) => c.author.id],
  ['author_handle', (c) => c.author.handle],
  ['text', (c) => c.text],
  ['permalink', (c) => c.permalink],
];

/** The export as CSV (RFC 4180, via csv-stringify), one row per complaint, formula-safe. */
export function complaintsCsv(items: Complaint[]): string {
  return stringify(
    items.map((c) => COLUMNS.map(([, value]) => value(c) ?? '')),
    {
      header: true,
      columns: COLUMNS.map(([name]) => name),
      cast: {
        string: (value) => (FORMULA_START.test(value) ? `'${value}` : value),
        boolean: (value) => String(value),
      },
    },
  );
}
