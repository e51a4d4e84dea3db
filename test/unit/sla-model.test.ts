import fc from 'fast-check';
import { expect, it } from 'vitest';
import { MemoryStore, MemoryStormLedger } from '../support/fakes.ts';
import { compare, expectedPages, history, simulate } from '../support/ladder-simulation.ts';

// The ladder against its reference model: random histories, a virtual clock, injected faults (lost
// claim responses, SNS failures, Lambdas dying between claim and publish, duplicate executions).
// `npm test` runs 300 histories; `npm run fuzz` runs FUZZ_RUNS (20,000).
it('sends exactly what the reference model says, once, in time, never after the acknowledgement', async () => {
  let changed = 0;
  await fc.assert(
    fc.asyncProperty(history, fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (h, seed) => {
      const { sent, model } = await simulate(h, seed, () => {
        const store = new MemoryStore();
        return { store, storms: new MemoryStormLedger(store) };
      });
      const ackAt = new Map(model.map((c) => [c.id, c.acknowledgedAt ?? Number.POSITIVE_INFINITY]));
      if (model.some((c) => (c.changes ?? []).length > 0)) changed++;
      expect(compare(expectedPages(h.policy, model), sent, ackAt, h.faults, h.policy.storm)).toEqual([]);
    }),
    { numRuns: Number(process.env['FUZZ_RUNS'] ?? 300) },
  );
  // Corrections and follow-ups really moved deadlines in some histories (the property is not vacuous).
  expect(changed).toBeGreaterThan(0);
}, 120_000);
