import * as z from 'zod';
import { Unauthorized } from '../model/errors.ts';
import type { Interaction, QueuedEvent } from '../model/interaction.ts';
import type { WebhookSecrets } from '../ports.ts';
import type { SourceParser, SplitResult, WebhookRequest } from './parser.ts';
import { matchesAnyToken } from './signing.ts';

/**
 * Trustpilot review webhooks (Trustpilot Business → Integrations → Developers → Webhooks), for
 * service and product reviews created, updated and deleted. Trustpilot does not sign deliveries: the
 * subscription URL ends in an unguessable token (`/webhooks/trustpilot/{token}`), checked in
 * constant time, so only Trustpilot (which holds the URL) can deliver.
 *
 * The service-review body is documented by Trustpilot's help centre ("How to set up Trustpilot
 * Webhooks"): `{"events":[{"eventName":"service-review-created","version":"1","eventData":{…}}]}`
 * with id, title, text, stars, createdAt, consumer {id, name}. The product-review payload is not
 * published: it is read the same way, with `content` where a service review has `text`.
 */
const REVIEW_EVENTS = {
  'service-review-created': 'create',
  'service-review-updated': 'edit',
  'service-review-deleted': 'delete',
  'product-review-created': 'create',
  'product-review-updated': 'edit',
  'product-review-deleted': 'delete',
} as const satisfies Record<string, Interaction['action']>;
type ReviewEvent = keyof typeof REVIEW_EVENTS;

const Envelope = z.looseObject({
  events: z.array(z.looseObject({ eventName: z.string(), eventData: z.unknown() })),
});

const Review = z.looseObject({
  id: z.string().min(1),
  title: z.string().nullish(),
  text: z.string().nullish(),
  content: z.string().nullish(),
  stars: z.number().int().min(1).max(5).optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().nullish(),
  consumer: z.looseObject({ id: z.string().min(1), name: z.string().optional() }).optional(),
  product: z.looseObject({ title: z.string().optional() }).nullish(),
});

const isReviewEvent = (name: string): name is ReviewEvent => Object.hasOwn(REVIEW_EVENTS, name);

export const trustpilotParser: SourceParser = {
  source: 'trustpilot',

  // Nothing to sign: the secret is the last part of the URL the delivery is sent to.
  sign: () => ({}),

  verify(request: WebhookRequest, secrets: WebhookSecrets): void {
    const token = request.pathParameters['token'] ?? '';
    if (!matchesAnyToken(token, secrets.trustpilotUrlToken))
      throw new Unauthorized('unknown Trustpilot subscription URL');
  },

  split(body: unknown): SplitResult {
    const parsed = Envelope.safeParse(body);
    if (!parsed.success) return { events: [], ignored: ['trustpilot:unrecognized'] };
    const events: SplitResult['events'] = [];
    const ignored: string[] = [];
    for (const event of parsed.data.events) {
      if (isReviewEvent(event.eventName))
        events.push({ platform: 'trustpilot', type: event.eventName, payload: event.eventData });
      else ignored.push(`trustpilot:${event.eventName}`);
    }
    return { events, ignored };
  },

  normalize(event: QueuedEvent): Interaction[] {
    if (!isReviewEvent(event.type)) return [];
    const review = Review.parse(event.payload);
    const action = REVIEW_EVENTS[event.type];
    const words = review.text ?? review.content ?? '';
    const title = review.title?.trim();
    return [
      {
        platform: 'trustpilot',
        channel: 'public',
        action,
        externalId: review.id,
        conversationId: review.id,
        author: review.consumer ?? { id: `trustpilot:${review.id}` },
        // The title is often the whole complaint ("Never again"): triage reads both.
        text: title && !words.startsWith(title) ? `${title}\n${words}` : words,
        media: [],
        createdAt: new Date(Date.parse(review.createdAt ?? '') || Date.parse(event.receivedAt)).toISOString(),
        fromBrand: false,
        permalink: `https://www.trustpilot.com/reviews/${encodeURIComponent(review.id)}`,
        test: false,
        deliveryId: event.deliveryId,
        addressed: true,
        rating: review.stars,
      },
    ];
  },
};
