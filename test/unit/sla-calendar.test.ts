import { describe, expect, it } from 'vitest';
import type { SEVERITY_ORDER } from '#core/model/complaint.ts';
import { Platform } from '#core/model/interaction.ts';
import {
  addWorkingMinutes,
  BusinessCalendar,
  workingMinutesBetween,
  zonedToInstant,
} from '#core/sla/calendar.ts';
import { ackDueAt, afterQuietHours, DEFAULT_SLA_POLICY, ladder, type SlaPolicy } from '#core/sla/policy.ts';
import { parseStageConfig, withSlaDefaults } from '../../lib/config/stage-config.ts';

const nineToFive = BusinessCalendar.parse({
  timeZone: 'Europe/London',
  weekly: {
    mon: [['09:00', '17:00']],
    tue: [['09:00', '17:00']],
    wed: [['09:00', '17:00']],
    thu: [['09:00', '17:00']],
    fri: [['09:00', '17:00']],
  },
  holidays: ['2026-12-25', '2026-12-28'],
});
const policy: SlaPolicy = { ...DEFAULT_SLA_POLICY, calendar: nineToFive };
const due = (
  receivedAt: string,
  severity: (typeof SEVERITY_ORDER)[number] = 'high',
  platform: Platform = 'facebook',
) => ackDueAt(policy, { platform, severity, kind: 'complaint', receivedAt });

describe('business-hours calendar', () => {
  it('counts only working time within a day and across the night', () => {
    expect(due('2026-11-23T10:00:00Z')).toBe('2026-11-23T12:00:00.000Z'); // Monday, GMT: 2 h
    expect(due('2026-11-23T16:30:00Z')).toBe('2026-11-24T10:30:00.000Z'); // 30 min today, 90 tomorrow
    expect(due('2026-11-23T20:00:00Z')).toBe('2026-11-24T11:00:00.000Z'); // received after hours
  });

  it('skips weekends and holidays', () => {
    expect(due('2026-11-27T16:00:00Z')).toBe('2026-11-30T10:00:00.000Z'); // Friday → Monday
    expect(due('2026-12-24T16:00:00Z')).toBe('2026-12-29T10:00:00.000Z'); // Thu → (Fri 25, Mon 28 holidays) → Tue 29
  });

  it('is right across DST changes (local 09:00 is 08:00 UTC in summer)', () => {
    // Friday 27 March 2026 16:00 GMT; clocks go forward on Sunday 29 March.
    expect(due('2026-03-27T16:00:00Z')).toBe('2026-03-30T09:00:00.000Z');
    // Friday 23 October 2026 16:00 BST (15:00 UTC): 1 h left that day; clocks go back on Sunday 25
    // October, so Monday's 09:00 is 09:00 UTC.
    expect(due('2026-10-23T15:00:00Z')).toBe('2026-10-26T10:00:00.000Z');
    // A New York calendar: 09:00 EST is 14:00 UTC after the fall change.
    const ny = BusinessCalendar.parse({
      timeZone: 'America/New_York',
      weekly: { mon: [['09:00', '17:00']] },
    });
    expect(addWorkingMinutes(ny, new Date('2026-11-02T00:00:00Z'), 60)?.toISOString()).toBe(
      '2026-11-02T15:00:00.000Z',
    );
  });

  it('runs critical complaints 24/7', () => {
    expect(due('2026-11-28T03:00:00Z', 'critical')).toBe('2026-11-28T03:15:00.000Z'); // Saturday night
  });

  it('places the pre-breach warning in working time too', () => {
    const c = {
      platform: 'facebook' as const,
      severity: 'high' as const,
      kind: 'complaint' as const,
      receivedAt: '2026-11-23T16:30:00Z',
    };
    const [warning] = ladder(policy, { ...c, ackDueAt: due(c.receivedAt) });
    expect(warning!.at.toISOString()).toBe('2026-11-24T10:00:00.000Z'); // 90 of 120 working minutes
  });

  it('rejects unknown time zones and bad times', () => {
    expect(BusinessCalendar.safeParse({ timeZone: 'Mars/Olympus', weekly: {} }).success).toBe(false);
    expect(
      BusinessCalendar.safeParse({ timeZone: 'UTC', weekly: { mon: [['17:00', '09:00']] } }).success,
    ).toBe(false);
  });
});

describe('default targets for every severity × platform (24/7)', () => {
  const table: Record<string, number[]> = {
    x: [15, 30, 120, 480],
    facebook: [15, 120, 240, 480],
    messenger: [15, 120, 240, 480],
    instagram: [15, 120, 240, 480],
    whatsapp: [15, 60, 240, 480],
    generic: [15, 120, 240, 480],
    trustpilot: [60, 240, 480, 1440],
    google: [60, 240, 480, 1440],
    web: [60, 240, 480, 1440],
  };
  for (const platform of Platform.options) {
    for (const [i, severity] of (['critical', 'high', 'medium', 'low'] as const).entries()) {
      it(`${platform} ${severity}: ${table[platform]![i]} min`, () => {
        const at = ackDueAt(DEFAULT_SLA_POLICY, {
          platform,
          severity,
          kind: 'complaint',
          receivedAt: '2026-11-23T10:00:00.000Z',
        })!;
        expect((Date.parse(at) - Date.parse('2026-11-23T10:00:00.000Z')) / 60_000).toBe(table[platform]![i]);
      });
    }
  }
});

describe('quiet hours', () => {
  const quiet: SlaPolicy = {
    ...DEFAULT_SLA_POLICY,
    quietHours: { manager: { timeZone: 'Europe/London', start: '22:00', end: '07:00' } },
  };
  it('defers non-critical notifications to the end of the quiet period, and never drops them', () => {
    expect(
      new Date(afterQuietHours(quiet, 'manager', Date.parse('2026-11-23T23:30:00Z'))).toISOString(),
    ).toBe('2026-11-24T07:00:00.000Z');
    expect(
      new Date(afterQuietHours(quiet, 'manager', Date.parse('2026-11-24T05:00:00Z'))).toISOString(),
    ).toBe('2026-11-24T07:00:00.000Z');
    expect(afterQuietHours(quiet, 'manager', Date.parse('2026-11-24T12:00:00Z'))).toBe(
      Date.parse('2026-11-24T12:00:00Z'),
    );
    expect(afterQuietHours(quiet, 'team', Date.parse('2026-11-23T23:30:00Z'))).toBe(
      Date.parse('2026-11-23T23:30:00Z'),
    );
  });

  it('applies to the ladder except for critical complaints', () => {
    const base = {
      platform: 'x' as const,
      kind: 'complaint' as const,
      receivedAt: '2026-11-23T21:00:00.000Z',
    };
    const high = ladder(quiet, { ...base, severity: 'high', ackDueAt: '2026-11-23T21:30:00.000Z' });
    expect(high.find((s) => s.id === 'L3')!.at.toISOString()).toBe('2026-11-24T07:00:00.000Z');
    expect(high.find((s) => s.id === 'L3')!.dueAt.toISOString()).toBe('2026-11-23T23:30:00.000Z');
    const critical = ladder(quiet, { ...base, severity: 'critical', ackDueAt: '2026-11-23T21:15:00.000Z' });
    expect(critical.find((s) => s.id === 'L3')!.at.toISOString()).toBe('2026-11-23T23:15:00.000Z');
  });
});

describe('SLA configuration', () => {
  it('lays a partial policy over the defaults', () => {
    const config = parseStageConfig(
      withSlaDefaults({ stage: 'dev', sla: { targets: { x: { high: 20 } }, warningAt: 0.5 } }),
    );
    expect(config.sla.targets.x).toEqual({ critical: 15, high: 20, medium: 120, low: 480 });
    expect(config.sla.warningAt).toBe(0.5);
    expect(config.sla.levels).toHaveLength(3);
  });
});

describe('calendar and quiet-hours validation (SLA ladder review)', () => {
  it('counts split shifts given out of order, and refuses overlapping ones', () => {
    const split = BusinessCalendar.parse({
      timeZone: 'UTC',
      weekly: {
        mon: [
          ['13:00', '17:00'],
          ['09:00', '12:00'],
        ],
        tue: [],
        wed: [],
        thu: [],
        fri: [],
        sat: [],
        sun: [],
      },
    });
    // Monday 08:00 + 60 working minutes is 10:00 (the morning shift), not 14:00.
    expect(addWorkingMinutes(split, new Date('2026-11-23T08:00:00Z'), 60)?.toISOString()).toBe(
      '2026-11-23T10:00:00.000Z',
    );
    expect(() =>
      BusinessCalendar.parse({
        timeZone: 'UTC',
        weekly: {
          mon: [
            ['09:00', '13:00'],
            ['12:00', '17:00'],
          ],
          tue: [],
          wed: [],
          thu: [],
          fri: [],
          sat: [],
          sun: [],
        },
      }),
    ).toThrow(/overlap/);
  });

  it('refuses quiet hours that start when they end', () => {
    expect(() =>
      withSlaDefaults({ sla: { quietHours: { team: { timeZone: 'UTC', start: '22:00', end: '22:00' } } } }),
    ).not.toThrow();
    expect(() =>
      parseStageConfig(
        withSlaDefaults({
          stage: 'dev',
          sla: { quietHours: { team: { timeZone: 'UTC', start: '22:00', end: '22:00' } } },
        }),
      ),
    ).toThrow(/quiet hours must start and end at different times/);
  });

  it('maps a local time in a spring-forward gap past the gap, and one in an overlap to its first occurrence', () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    expect(new Date(zonedToInstant('America/New_York', 2026, 3, 8, 150)).toISOString()).toBe(
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
    );
    // 2026-11-01: 01:30 happens twice (EDT, then EST); the first is 05:30Z.
    expect(new Date(zonedToInstant('America/New_York', 2026, 11, 1, 90)).toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    );
    // Quiet hours ending inside the gap never page early.
    const quiet = {
      ...DEFAULT_SLA_POLICY,
      quietHours: { team: { timeZone: 'America/New_York', start: '22:00', end: '02:30' } },
    };
    expect(new Date(afterQuietHours(quiet, 'team', Date.parse('2026-03-08T06:00:00Z'))).toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
  });
});

describe('working minutes between two instants', () => {
  const between = (a: string, b: string) => workingMinutesBetween(nineToFive, new Date(a), new Date(b));

  it('counts only working time, across nights, weekends and holidays', () => {
    expect(between('2026-11-23T10:00:00Z', '2026-11-23T12:30:00Z')).toBe(150);
    expect(between('2026-11-23T16:30:00Z', '2026-11-24T10:30:00Z')).toBe(120); // 30 + 90
    expect(between('2026-11-27T16:00:00Z', '2026-11-30T10:00:00Z')).toBe(120); // Fri 60 + Mon 60
    expect(between('2026-12-24T16:00:00Z', '2026-12-29T09:30:00Z')).toBe(90); // two holidays, a weekend
    expect(between('2026-11-23T12:00:00Z', '2026-11-23T11:00:00Z')).toBe(0);
  });

  it('is the inverse of adding working minutes', () => {
    for (const [start, minutes] of [
      ['2026-11-23T16:30:00Z', 120],
      ['2026-12-24T08:00:00Z', 600],
      ['2026-03-27T15:00:00Z', 1000], // across the clocks going forward
    ] as const) {
      const end = addWorkingMinutes(nineToFive, new Date(start), minutes)!;
      expect(workingMinutesBetween(nineToFive, new Date(start), end)).toBeCloseTo(minutes, 6);
    }
  });
});
