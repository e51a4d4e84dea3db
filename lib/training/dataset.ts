import { readFileSync } from 'node:fs';

export interface LabelledTweet {
  id: string;
  text: string;
  complaint: 0 | 1;
  /** 1 no explicit reproach, 2 disapproval, 3 accusation, 4 blame; 0 for non-complaints; null when unknown. */
  severity: number | null;
  domain: string;
  brandDirected: boolean;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

export const CSV_HEADER = [
  'tweet_id',
  'text',
  'complaint',
  'severity',
  'severity_name',
  'domain',
  'brand_directed',
];

/** A cell a spreadsheet would run as a formula (OWASP "CSV injection"): it starts with = + - @, a tab or CR. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell of exported customer text: quoted when needed, and never a formula (prefixed with '). */
export function toCsvField(value: string): string {
  const inert = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(inert) ? `"${inert.replace(/"/g, '""')}"` : inert;
}

/** Reverses the formula guard of toCsvField, so an exported file trains on the customer's own words. */
export function fromCsvText(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

export function loadDataset(path: string): LabelledTweet[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  const col = (name: string) => {
    const index = header!.indexOf(name);
    if (index < 0) throw new Error(`${path}: missing column ${name}`);
    return index;
  };
  const [id, text, complaint, severity, domain, brand] = [
    'tweet_id',
    'text',
    'complaint',
    'severity',
    'domain',
    'brand_directed',
  ].map(col) as number[];
  return rows.map((r) => ({
    id: r[id!]!,
    text: fromCsvText(r[text!]!),
    complaint: r[complaint!] === '1' ? 1 : 0,
    severity: r[severity!] === '' ? null : Number(r[severity!]),
    domain: r[domain!]!,
    brandDirected: r[brand!] === '1',
  }));
}
