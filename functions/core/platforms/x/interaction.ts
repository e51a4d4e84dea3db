import type { Author, Channel, Interaction, QueuedEvent } from '../../model/interaction.ts';

/** What each X wire format knows about one message; the rest is the same for both. */
export interface XMessage {
  externalId: string;
  channel: Channel;
  action?: Interaction['action'];
  conversationId: string;
  inReplyTo?: string;
  author: Author;
  text: string;
  createdAt: string;
  /** The subscribed (brand) account: a message it wrote is a brand reply. */
  forUserId: string;
}

/**
 * The one interaction builder for X, used by both wire formats (Account Activity API v1.1 and the
 * X Activity API): platform, brand detection, the public permalink, the delivery trace.
 */
export function xInteraction(event: QueuedEvent, m: XMessage): Interaction {
  return {
    platform: 'x',
    channel: m.channel,
    action: m.action ?? 'create',
    externalId: m.externalId,
    conversationId: m.conversationId,
    inReplyTo: m.inReplyTo,
    author: m.author,
    text: m.text,
    media: [],
    createdAt: m.createdAt,
    fromBrand: m.author.id === m.forUserId,
    permalink:
      m.channel === 'public' && m.action !== 'delete' && m.author.handle
        ? `https://x.com/${encodeURIComponent(m.author.handle)}/status/${m.externalId}`
        : undefined,
    test: false,
    deliveryId: event.deliveryId,
  };
}
