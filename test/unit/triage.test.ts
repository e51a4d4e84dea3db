import { describe, expect, it } from 'vitest';
import { classifyByRules } from '#core/triage/rules.ts';

describe('rule-based triage', () => {
  it.each([
    ['My order arrived broken and nobody answers. Terrible', 'complaint', 'high'],
    ['I will contact my lawyer about this fraud', 'complaint', 'critical'],
    ['How do I change my delivery address?', 'question', 'medium'],
    ['Thanks, the support team was amazing!', 'praise', 'low'],
    ['Giveaway! follow back for free followers', 'spam', 'low'],
  ])('%s → %s / %s', (text, kind, severity) => {
    expect(classifyByRules({ text })).toMatchObject({ kind, severity });
  });

  it('raises severity with reach and explains why', () => {
    const result = classifyByRules({ text: 'worst service ever', author: { id: '1', followers: 250_000 } });
    expect(result.severity).toBe('critical');
    expect(result.reasons).toContain('reach: verified or 100k+ followers');
  });

  it('keeps sentiment within -1..1 and probability within 0..1', () => {
    const r = classifyByRules({ text: 'terrible awful worst broken never refund lawyer fraud' });
    expect(r.sentiment).toBeGreaterThanOrEqual(-1);
    expect(r.complaintProbability).toBeLessThanOrEqual(1);
  });
});
