import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { complaintsCsv } from '#api/csv.ts';
import { complaint } from '../support/fakes.ts';

it('writes one quoted, formula-safe row per complaint that a CSV reader gets back whole', () => {
  const csv = complaintsCsv([
    complaint({ text: '=HYPERLINK("http://evil")', author: { id: 'u1', handle: '+ann' } }),
    complaint({ id: 'c_2', text: 'line one\nline "two", with a comma', assignee: 'ann@brand.example' }),
  ]);
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatchObject({
    text: '\'=HYPERLINK("http://evil")',
    author_handle: "'+ann",
    breached: 'false',
  });
  expect(rows[1]).toMatchObject({
    id: 'c_2',
    text: 'line one\nline "two", with a comma',
    assignee: 'ann@brand.example',
  });
});
