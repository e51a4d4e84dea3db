import { beforeEach, describe, expect, it } from 'vitest';
import type { QueuedEvent } from '#core/model/interaction.ts';
import { timerName } from '#core/sla/timers.ts';
import { complaintIdFor } from '#core/use-cases/complaint-id.ts';
import { processEvent } from '#core/use-cases/process-event.ts';
import { BRAND_X_ID, queuedTweet } from '../fixtures/deliveries.ts';
import { FixedClock, MemoryRawArchive, MemoryStore, MemoryTimers, processDeps } from '../support/fakes.ts';

const T0 = new Date('2026-11-23T10:00:00Z');
let store: MemoryStore;
let timers: MemoryTimers;
let clock: FixedClock;
let archive: MemoryRawArchive;
const deps = () => processDeps({ store, archive, timers, clock });

function tweet(id: string, text: string, options: { user?: string; replyTo?: string } = {}): QueuedEvent {
  return queuedTweet(clock.now(), id, text, options);
}

beforeEach(() => {
  store = new MemoryStore();
  archive = new MemoryRawArchive();
  timers = new MemoryTimers();
  clock = new FixedClock(T0);
});

describe('processEvent', () => {
  it('stores a complaint once however often it is delivered, and starts its timer', async () => {
    const event = tweet('100', '@brand my order arrived broken, terrible service');
    for (let i = 0; i < 3; i++) await processEvent(event, deps());
    expect(store.items.size).toBe(1);
    expect(timers.started).toEqual(new Set([timerName(complaintIdFor('x', '100'), 0)]));
  });

  it('threads a follow-up from the same author into the open complaint, raising never lowering severity', async () => {
    await processEvent(tweet('100', '@brand my order arrived broken, terrible service'), deps());
    const id = complaintIdFor('x', '100');
    const before = (await store.get(id))!;
    clock.advance(5 * 60_000);
    const [outcome] = await processEvent(
      tweet('101', '@brand and now my lawyer will hear about this', { replyTo: '100' }),
      deps(),
    );
    expect(outcome).toEqual({ complaintId: id, result: 'follow-up' });
    const after = (await store.get(id))!;
    expect(after.severity).toBe('critical');
    expect(after.ackDueAt! < before.ackDueAt!).toBe(true);
    expect(after.timerGeneration).toBe(1);
    expect([...timers.started]).toEqual([timerName(id, 0), timerName(id, 1)]);
    // A calmer follow-up never lowers it; a redelivered one is not added twice.
    await processEvent(tweet('102', 'thanks', { replyTo: '101' }), deps());
    await processEvent(tweet('102', 'thanks', { replyTo: '101' }), deps());
    expect((await store.get(id))!.severity).toBe('critical');
    expect((await store.timeline(id)).filter((e) => e.type === 'follow-up')).toHaveLength(2);
    expect(store.items.size).toBe(1);
  });

  it('opens a new complaint for another author, or after the window', async () => {
    await processEvent(tweet('100', '@brand my order arrived broken, terrible service'), deps());
    await processEvent(
      tweet('200', '@brand same here, broken on arrival', { replyTo: '100', user: '999' }),
      deps(),
    );
    clock.advance(61 * 60_000);
    await processEvent(tweet('300', '@brand still broken, still nothing', { replyTo: '100' }), deps());
    expect(store.items.size).toBe(3);
  });

  it('acknowledges the thread on a brand reply and stops its timer', async () => {
    await processEvent(tweet('100', '@brand my order arrived broken, terrible service'), deps());
    clock.advance(12 * 60_000);
    const [outcome] = await processEvent(
      tweet('500', '@ann so sorry, DM us', { user: BRAND_X_ID, replyTo: '100' }),
      deps(),
    );
    const id = complaintIdFor('x', '100');
    expect(outcome).toEqual({ complaintId: id, result: 'acknowledged' });
    const complaint = (await store.get(id))!;
    expect(complaint).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: { by: 'x:500', via: 'brand-reply' },
    });
    expect((await store.timeline(id)).find((e) => e.type === 'acknowledged')?.detail).toMatchObject({
      timeToAcknowledgeMs: 12 * 60_000,
    });
    expect(timers.stopped).toEqual(new Set([timerName(id, 0)]));
  });

  it('acknowledges through a reply to a follow-up too', async () => {
    await processEvent(tweet('100', '@brand my order arrived broken, terrible service'), deps());
    await processEvent(tweet('101', '@brand hello??', { replyTo: '100' }), deps());
    await processEvent(tweet('500', '@ann looking into it', { user: BRAND_X_ID, replyTo: '101' }), deps());
    expect((await store.get(complaintIdFor('x', '100')))!.status).toBe('acknowledged');
  });

  it('restarts the tightened timer on a redelivered follow-up when its first start failed', async () => {
    await processEvent(tweet('100', '@brand my order arrived broken, terrible service'), deps());
    const id = complaintIdFor('x', '100');
    const followUp = tweet('101', '@brand and now my lawyer will hear about this', { replyTo: '100' });
    const failing = {
      start: async () => Promise.reject(new Error('ThrottlingException')),
      stop: async () => {},
    };
    await expect(processEvent(followUp, { ...deps(), timers: failing })).rejects.toThrow('Throttling');
    await processEvent(followUp, deps());
    expect(timers.started.has(timerName(id, 1))).toBe(true);
  });
});
