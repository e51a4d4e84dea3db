import type { QueuedEvent } from './interaction.ts';

// A module of its own, without schemas: the pollers import it, and should not build interaction.ts's.

/** An event as a parser splits it from a delivery (or a poller hears it), before it is stamped. */
export type UnstampedEvent = Omit<QueuedEvent, 'v' | 'deliveryId' | 'receivedAt'>;

/** Stamps an event for the queue: the envelope version, where it came from, when it arrived. */
export const stamped = (event: UnstampedEvent, deliveryId: string, receivedAt: string): QueuedEvent => ({
  ...event,
  v: 1,
  deliveryId,
  receivedAt,
});
