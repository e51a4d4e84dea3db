import { afterEach, expect, it, vi } from 'vitest';
import { logger } from '#shared/runtime.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** What the shared logger writes for one entry, as CloudWatch would receive it. */
function logged(write: () => void): string {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
  write();
  return lines.join('');
}

it('redacts what customers wrote and who they are from every log entry, keeping ids and reasons', () => {
  const out = logged(() =>
    logger.error('record failed', {
      complaintId: 'c_123',
      complaint: {
        text: 'my card number is 4111 and I am furious',
        author: { id: '42', handle: '@angry_ann', name: 'Ann Example' },
      },
      delivery: {
        entry: [{ changes: [{ value: { from: { id: '7', name: 'Bo' }, message: 'refund me, Bo here' } }] }],
        contacts: [{ profile: { name: 'Cy' }, wa_id: '4915112345678' }],
        user: { screen_name: 'dee' },
      },
      oncall: { emails: ['ops@brand.example'], phones: ['+14155550100'] },
      error: new Error('UpdateItem failed'),
    }),
  );
  for (const secret of [
    '4111',
    'angry_ann',
    'Ann Example',
    'Bo',
    'Cy',
    '4915112345678',
    'dee',
    'ops@',
    '+1415',
  ])
    expect(out).not.toContain(secret);
  const entry = JSON.parse(out) as Record<string, unknown>;
  expect(entry).toMatchObject({
    message: 'record failed',
    complaintId: 'c_123',
    complaint: { text: '[redacted]', author: '[redacted]' },
    error: { name: 'Error', message: 'UpdateItem failed' },
  });
});
