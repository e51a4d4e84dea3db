import { describe, expect, it } from 'vitest';
import { type QueuedEvent, UNHANDLED_EVENT } from '#core/model/interaction.ts';
import { replayUnhandled } from '#core/use-cases/replay-unhandled.ts';
import { xFavorite, xTweet } from '../fixtures/deliveries.ts';
import { MemoryQueue, MemoryRawArchive } from '../support/fakes.ts';

function kept(id: string, body: unknown, ignored: string[]): QueuedEvent {
  return {
    v: 1,
    platform: 'x',
    type: UNHANDLED_EVENT,
    deliveryId: `${id}:unhandled`,
    receivedAt: `2026-11-23T10:00:0${id}.000Z`,
    payload: { source: 'x', ignored, body },
  };
}

describe('heed reprocess', () => {
  it('queues what today’s parsers handle, settles what is fully handled, keeps the rest; reruns are harmless', async () => {
    const archive = new MemoryRawArchive();
    const queue = new MemoryQueue();
    // Kept by an older version that did not know this form; today it is a tweet.
    await archive.keepUnhandled(kept('1', xTweet({ id: '1900000000000000001' }), ['x:unrecognized']));
    // Still not handled today (a like).
    await archive.keepUnhandled(kept('2', xFavorite, ['favorite_events']));
    // Another source's deliveries are not touched.
    await archive.keepUnhandled({
      ...kept('3', { object: 'ads' }, ['meta:ads']),
      payload: { source: 'meta', ignored: ['meta:ads'], body: { object: 'ads' } },
    });
    for (let i = 4; i < 7; i++) await archive.keepUnhandled(kept(String(i), xFavorite, ['favorite_events']));

    const first = await replayUnhandled({ archive, queue }, 'x');
    expect(first).toEqual({ deliveries: 5, enqueued: 1, settled: 1, stillUnhandled: 4 });
    expect(queue.events).toEqual([
      expect.objectContaining({
        type: 'tweet_create',
        deliveryId: '1:unhandled:replay:0',
        receivedAt: '2026-11-23T10:00:01.000Z',
      }),
    ]);
    const again = await replayUnhandled({ archive, queue }, 'x');
    expect(again).toEqual({ deliveries: 4, enqueued: 0, settled: 0, stillUnhandled: 4 });
    expect(archive.unhandled.size).toBe(5);
  });
});
