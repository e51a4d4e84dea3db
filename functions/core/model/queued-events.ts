import type { QueuedEvent } from './interaction.ts';

// A module of its own, without schemas: intake and the pollers import it, and should not build
// interaction.ts's (bench/cold-start.ts).

/**
 * Queued events that carry no message. `heed:unhandled` keeps a verified delivery (or the part of it)
 * Heed does not handle yet, for `heed reprocess`; `heed:revoked` says a platform stopped sending an
 * account's events (the operations topic is paged).
 */
export const UNHANDLED_EVENT = 'heed:unhandled';
export const REVOCATION_EVENT = 'heed:revoked';

/** An event as a parser splits it from a delivery (or a poller hears it), before it is stamped. */
export type UnstampedEvent = Omit<QueuedEvent, 'v' | 'deliveryId' | 'receivedAt'>;

/** Stamps an event for the queue: the envelope version, where it came from, when it arrived. */
export const stamped = (event: UnstampedEvent, deliveryId: string, receivedAt: string): QueuedEvent => ({
  ...event,
  v: 1,
  deliveryId,
  receivedAt,
});
