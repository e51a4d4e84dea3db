import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sentenceEncoder } from '#adapters/sentence-encoder/encoder.ts';
import { SEVERITY_ORDER, type Severity } from '#core/model/complaint.ts';
import { describeFeature } from '#core/triage/features.ts';
import shipped from '#core/triage/model.json' with { type: 'json' };
import { severityFor } from '#core/triage/severity.ts';
import { COMPLAINT_THRESHOLD, classifyTriage } from '#core/triage/shipped.ts';

describe('the shipped triage model', () => {
  it('is a trained model, small enough for a fast cold start', () => {
    expect(shipped.version).toBe(2);
    expect(
      (shipped as { complaint: { sentence: { weights: number[][] } } }).complaint.sentence.weights,
    ).toHaveLength(2);
    expect(
      (shipped as { complaint: { sentence: { weights: number[][] } } }).complaint.sentence.weights[0],
    ).toHaveLength(512);
    expect(shipped.complaintThreshold).toBeGreaterThan(0.2);
    expect(shipped.complaintThreshold).toBeLessThanOrEqual(0.5);
    expect(shipped.trainedOn.rows).toBeGreaterThan(2000);
    expect(JSON.stringify(shipped).length).toBeLessThan(5_000_000);
  });

  it.each([
    ['@brand my order arrived broken and nobody answers my emails. Terrible service', 'complaint'],
    ['@airline flight delayed 5 hours and still no update from your staff, ridiculous', 'complaint'],
    ['@brand how do I change my delivery address?', 'question'],
    ['@brand thanks so much, the support team was amazing!', 'praise'],
    ['Giveaway! follow back for free followers', 'spam'],
  ])('%s → %s', (text, kind) => {
    expect(classifyTriage({ text }).kind).toBe(kind);
  });

  it('gives a calibrated probability, a sentiment and the reasons behind a complaint', () => {
    const result = classifyTriage({ text: '@brand still waiting for my refund after 3 weeks, unacceptable' });
    expect(result.complaintProbability).toBeGreaterThan(0.5);
    expect(result.sentiment).toBeLessThan(0);
    expect(result.reasons.some((r) => r.startsWith('complaint cue'))).toBe(true);
    expect(result.reasons.some((r) => r.startsWith('reproach'))).toBe(true);
  });

  it('names the cues behind the reproach level', () => {
    const polite = classifyTriage({ text: '@brand hi, my router is not working, could you help please?' });
    expect(polite.reproach).toBe('no explicit reproach');
    expect(polite.reasons).toContain('reproach cue: polite request');
    const blaming = classifyTriage({
      text: '@united you lost my bag and your staff hung up on me. pathetic',
    });
    expect(['accusation', 'blame']).toContain(blaming.reproach);
    expect(blaming.reasons.filter((r) => r.startsWith('reproach cue:')).length).toBeGreaterThan(0);
  });

  it.each([
    ['w:refund', 'word "refund"'],
    ['b:still waiting', 'phrase "still waiting"'],
    ['b:user my', 'phrase "@mention my"'],
    ['b:@ user', 'word "@mention"'],
    ['f:ignored', 'says nobody answered'],
    ['f:question', 'asks a question'],
    ['x:unknown', 'x:unknown'],
  ])('describes the feature %s as %s', (feature, description) => {
    expect(describeFeature(feature)).toBe(description);
  });

  it('treats words that are Object.prototype keys as plain words (found by fuzzing)', () => {
    for (const text of ['__proto__', 'constructor', 'toString hasOwnProperty']) {
      expect(classifyTriage({ text }).complaintProbability).not.toBeNaN();
    }
  });

  it('keeps every output in range for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const r = classifyTriage({ text });
        expect(r.complaintProbability).toBeGreaterThanOrEqual(0);
        expect(r.complaintProbability).toBeLessThanOrEqual(1);
        expect(Math.abs(r.sentiment)).toBeLessThanOrEqual(1);
        expect(['complaint', 'question', 'praise', 'spam', 'other']).toContain(r.kind);
      }),
    );
  });
});

describe('triage with the sentence encoder', () => {
  const embed = async (text: string) => (await (await sentenceEncoder()).embed([text]))[0]!;

  it('says when the encoder tipped the decision, either way, beside the cues', async () => {
    const text = '@brand love you guys but the new update deleted all my photos';
    const alone = classifyTriage({ text });
    const stacked = classifyTriage({ text, embedding: await embed(text) });
    expect(alone.kind).not.toBe('complaint');
    expect(stacked.kind).toBe('complaint');
    expect(stacked.reasons.find((r) => r.startsWith('the sentence encoder tipped it'))).toMatch(
      /tipped it: complaint \(the cues alone: 0\.\d+, with the encoder: 0\.\d+/,
    );
    expect(stacked.reasons.some((r) => r.startsWith('complaint cue:'))).toBe(true);
    const question = '@brand is the store open on sunday';
    const asked = classifyTriage({ text: question, embedding: await embed(question) });
    expect(asked.kind).toBe('question');
    expect(asked.reasons.some((r) => r.includes('tipped it: not a complaint'))).toBe(true);
  });

  it('starts a clock for a question to the brand, not for one overheard', async () => {
    const text = 'can anyone recommend a good pizza place?';
    const embedding = await embed(text);
    expect(classifyTriage({ text, embedding }).kind).toBe('question');
    expect(classifyTriage({ text, embedding, addressed: false }).kind).not.toBe('question');
  });

  it('takes the stage’s threshold over the model’s operating point', async () => {
    const text = '@brand great, another cancelled train';
    const embedding = await embed(text);
    const { complaintProbability } = classifyTriage({ text, embedding });
    expect(complaintProbability).toBeGreaterThan(COMPLAINT_THRESHOLD);
    expect(
      classifyTriage({ text, embedding, complaintThreshold: complaintProbability + 0.01 }).kind,
    ).not.toBe('complaint');
  });
});

describe('severity', () => {
  const text = 'my order is late';
  it('follows the strength of reproach in public, one level lower in private', () => {
    const levels = [0, 1, 2, 3].map((reproach) => severityFor('complaint', reproach, { text }, []));
    expect(levels).toEqual(['low', 'medium', 'high', 'critical']);
    expect(severityFor('complaint', 0, { text, channel: 'private' }, [])).toBe('low');
    expect(severityFor('complaint', 3, { text, channel: 'private' }, [])).toBe('high');
    expect(severityFor('question', 2, { text, channel: 'public' }, [])).toBe('high');
  });

  it('rises with reach: followers, verified authors and the VIP list', () => {
    const reasons: string[] = [];
    expect(
      severityFor('complaint', 3, { text, channel: 'public', author: { followers: 250_000 } }, reasons),
    ).toBe('critical');
    expect(reasons).toContain('reach: 250,000 followers');
    expect(severityFor('complaint', 1, { text, channel: 'public', author: { verified: true } }, [])).toBe(
      'high',
    );
    const vip = {
      text,
      channel: 'private' as const,
      platform: 'x',
      author: { id: '42' },
      vipAuthors: ['x:42'],
    };
    expect(severityFor('complaint', 2, vip, [])).toBe('critical');
  });

  it('never falls when reproach, followers or a risk word rise', () => {
    const rank = (severity: string) => SEVERITY_ORDER.indexOf(severity as Severity);
    fc.assert(
      fc.property(
        fc.constantFrom('complaint' as const, 'question' as const),
        fc.constantFrom('public' as const, 'private' as const),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.nat({ max: 1_000_000 }),
        fc.nat({ max: 1_000_000 }),
        (kind, channel, r1, r2, f1, f2) => {
          const lower = { text, channel, author: { followers: Math.min(f1, f2) } };
          const higher = { text, channel, author: { followers: Math.max(f1, f2) } };
          const base = severityFor(kind, Math.min(r1, r2), lower, []);
          expect(rank(severityFor(kind, Math.max(r1, r2), higher, []))).toBeGreaterThanOrEqual(rank(base));
          const risky = { ...lower, text: `${text}, I am calling my lawyer` };
          expect(rank(severityFor(kind, Math.min(r1, r2), risky, []))).toBeGreaterThanOrEqual(rank(base));
        },
      ),
    );
  });

  it('rises with risk words whatever the tone', () => {
    const reasons: string[] = [];
    expect(
      severityFor('complaint', 0, { text: 'I will talk to my lawyer', channel: 'private' }, reasons),
    ).toBe('critical');
    expect(reasons).toContain('risk: legal threat');
    expect(severityFor('complaint', 0, { text: 'the app is down again', channel: 'private' }, [])).toBe(
      'high',
    );
  });

  it('is low for kinds that need no answer', () => {
    expect(severityFor('praise', 3, { text: 'lawsuit', channel: 'public' }, [])).toBe('low');
  });
});
