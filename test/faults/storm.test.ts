import { afterAll, beforeAll, expect, it } from 'vitest';
import { xTweet } from '../fixtures/deliveries.ts';
import { eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

/**
 * The storm (docs/RELIABILITY.md): complaints arrive in one burst while StartExecution is throttled
 * the way AWS throttles it (a bucket that empties, then refills at a fixed rate). Everything answered
 * 200 must be stored, and every complaint must get its timer, none lost and none doubled.
 * `npm run test:storm` sends 10,000; `npm test` a small burst of the same code.
 */
const COMPLAINTS = Number(process.env['STORM_COMPLAINTS'] ?? 200);
/**
 * Tighter than AWS's (800, refilled at 150/s) in proportion to the burst, and slower than the twin
 * stores complaints (about 60 a second), so the throttle bites all through the storm, not only at
 * its start.
 */
const QUOTA = {
  burst: Math.max(20, Math.round(COMPLAINTS / 40)),
  refillPerSecond: Math.max(10, Math.round(COMPLAINTS / 200)),
};
const SENDERS = 16;

let t: TestTwin;
beforeAll(async () => {
  t = await startTestTwin({ startExecutionQuota: QUOTA, visibilityTimeoutSeconds: 30 });
}, 180_000);
afterAll(async () => {
  await t?.stop();
});

it(`stores ${COMPLAINTS} complaints from one burst and starts every timer under StartExecution throttling`, {
  timeout: 3_600_000,
}, async () => {
  const started = Date.now();
  let next = 0;
  let retries = 0;
  const send = async () => {
    while (next < COMPLAINTS) {
      const i = next++;
      const body = xTweet({
        id: String(1890000000000000000n + BigInt(i)),
        userId: `9${i}`,
        text: `@brand my order never arrived and nobody answers, refund me now (#${i})`,
      });
      for (;;) {
        const response = await t.postX(body);
        await response.arrayBuffer();
        if (response.status === 200) break;
        expect(response.status, 'a signed delivery is never refused').toBeGreaterThanOrEqual(500);
        retries++;
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, send));
  const acceptedAt = Date.now();

  const counts = async () => {
    const stats = await t.json<{ backlog: { open: number } }>('/stats');
    return stats.backlog.open;
  };
  await eventually(async () => (await counts()) >= COMPLAINTS, 3_000_000, 'every complaint stored', 2_000);
  const storedAt = Date.now();
  await eventually(
    () => t.twin.stepFunctions.runningCount() >= COMPLAINTS,
    3_000_000,
    'every timer started',
    1_000,
  );
  const timersAt = Date.now();

  // Exactly one complaint per message and one running timer per complaint.
  const complaints = await t.allComplaints();
  const ids = new Set(complaints.map((c) => c.externalId));
  const timers = t.twin.stepFunctions.executionsByComplaint();
  const withoutTimer = complaints.filter((c) => (timers.get(c.id) ?? []).length !== 1);
  const figures = {
    complaints: COMPLAINTS,
    quota: QUOTA,
    throttledStarts: t.twin.stepFunctions.throttledStarts,
    deliveryRetries: retries,
    stored: complaints.length,
    distinctMessages: ids.size,
    runningTimers: t.twin.stepFunctions.runningCount(),
    complaintsWithoutExactlyOneTimer: withoutTimer.length,
    acceptSeconds: Math.round((acceptedAt - started) / 1000),
    storedSeconds: Math.round((storedAt - started) / 1000),
    drainSeconds: Math.round((timersAt - started) / 1000),
  };
  console.log(`STORM ${JSON.stringify(figures)}`);
  expect(complaints.length).toBe(COMPLAINTS);
  expect(ids.size).toBe(COMPLAINTS);
  expect(withoutTimer.map((c) => c.id)).toEqual([]);
  expect(t.twin.stepFunctions.runningCount()).toBe(COMPLAINTS);
  // The quota bit: some starts were refused and retried, and nothing was lost to it.
  expect(t.twin.stepFunctions.throttledStarts).toBeGreaterThan(0);
});
