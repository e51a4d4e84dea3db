import * as z from 'zod';
import { Unauthorized } from '../model/errors.ts';
import type { Interaction, QueuedEvent } from '../model/interaction.ts';
import type { WebhookSecrets } from '../ports.ts';
import type { SourceParser, SplitResult, VerifyOptions, WebhookRequest } from './parser.ts';

/**
 * Google Business Profile review notifications. Business Profile publishes NEW_REVIEW and
 * UPDATED_REVIEW to the team's Google Cloud Pub/Sub topic (Notifications API, NotificationSetting);
 * a push subscription POSTs each message here with a Google-signed OIDC token in Authorization
 * (Pub/Sub "authenticate push subscriptions"): its signature, issuer and expiry are checked against
 * Google's keys, its audience against `googlePushAudience`, its `email` against
 * `googlePushServiceAccount`. The notification names the review only, so the processor fetches it
 * (Business Profile API v4 `accounts.locations.reviews.get`).
 *
 * The push envelope is documented (`message.data` base64, `messageId`, `publishTime`,
 * `subscription`). The JSON inside `data` is documented only by its field meanings ("the
 * notification's reviewName field …"), not by an example: the spellings seen in the wild are all
 * accepted (reviewName, review_name, review; notificationType, type).
 */
export const REVIEW_NOTIFICATION = 'review-notification';

const PushEnvelope = z.looseObject({
  message: z.looseObject({
    data: z.string().optional(),
    messageId: z.string().optional(),
    message_id: z.string().optional(),
    publishTime: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
  }),
  subscription: z.string().optional(),
});

const Notification = z
  .looseObject({
    notificationType: z.string().optional(),
    type: z.string().optional(),
    reviewName: z.string().optional(),
    review_name: z.string().optional(),
    review: z.string().optional(),
    locationName: z.string().optional(),
    location_name: z.string().optional(),
    location: z.string().optional(),
  })
  .transform((n) => ({
    type: n.notificationType ?? n.type ?? 'UNKNOWN',
    reviewName: n.reviewName ?? n.review_name ?? n.review,
    locationName: n.locationName ?? n.location_name ?? n.location,
  }));

const REVIEW_NAME = /^accounts\/[^/]+\/locations\/[^/]+\/reviews\/[^/]+$/;
const Payload = z.object({
  type: z.enum(['NEW_REVIEW', 'UPDATED_REVIEW']),
  reviewName: z.string().regex(REVIEW_NAME),
  locationName: z.string().optional(),
  publishTime: z.string().optional(),
  /** The fetched review (Business Profile API v4 Review); null when it no longer exists. */
  resource: z.unknown().optional(),
});

const STARS = { ONE: 1, TWO: 2, THREE: 3, FOUR: 4, FIVE: 5 } as const;
const Review = z.looseObject({
  name: z.string(),
  reviewId: z.string().optional(),
  reviewer: z
    .looseObject({ displayName: z.string().optional(), isAnonymous: z.boolean().optional() })
    .optional(),
  starRating: z.string().optional(),
  comment: z.string().optional(),
  createTime: z.string().optional(),
  updateTime: z.string().optional(),
  reviewReply: z.looseObject({ comment: z.string(), updateTime: z.string().optional() }).nullish(),
});

export const googleBusinessParser: SourceParser = {
  source: 'google',

  sign: () => {
    throw new Error('Google signs Pub/Sub pushes with its own keys: a recorded push cannot be re-signed');
  },

  async verify(request: WebhookRequest, secrets: WebhookSecrets, _now: Date, options?: VerifyOptions) {
    const token = /^Bearer ([A-Za-z0-9._-]+)$/.exec(request.headers['authorization'] ?? '')?.[1];
    if (!token) throw new Unauthorized('a Pub/Sub push must carry an OIDC token (Authorization: Bearer)');
    if (!options?.oidc) throw new Unauthorized('OIDC verification is not configured');
    const claims = await options.oidc.verify(token, secrets.googlePushAudience);
    // Anyone can get a Google-signed token for our audience: only our push service account counts.
    const email = typeof claims['email'] === 'string' ? claims['email'] : '';
    if (claims['email_verified'] !== true || !secrets.googlePushServiceAccount.includes(email))
      throw new Unauthorized('the push token was not issued to the configured service account');
  },

  split(body: unknown): SplitResult {
    const envelope = PushEnvelope.safeParse(body);
    if (!envelope.success) return { events: [], ignored: ['google:unrecognized'] };
    const { message } = envelope.data;
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8'));
    } catch {
      return { events: [], ignored: ['google:unreadable'] };
    }
    const notification = Notification.safeParse(data);
    if (!notification.success) return { events: [], ignored: ['google:unrecognized'] };
    const { type, reviewName, locationName } = notification.data;
    if (type !== 'NEW_REVIEW' && type !== 'UPDATED_REVIEW')
      return { events: [], ignored: [`google:${type}`] };
    return {
      events: [
        {
          platform: 'google',
          type: REVIEW_NOTIFICATION,
          payload: { type, reviewName, locationName, publishTime: message.publishTime },
        },
      ],
      ignored: [],
    };
  },

  resourceOf(event: QueuedEvent) {
    return event.type === REVIEW_NOTIFICATION ? Payload.parse(event.payload).reviewName : undefined;
  },

  normalize(event: QueuedEvent): Interaction[] {
    if (event.type !== REVIEW_NOTIFICATION) return [];
    const payload = Payload.parse(event.payload);
    if (payload.resource === null || payload.resource === undefined) return [];
    const review = Review.parse(payload.resource);
    const id = review.name;
    const at = (value: string | undefined) =>
      new Date(Date.parse(value ?? '') || Date.parse(event.receivedAt)).toISOString();
    const base = {
      platform: 'google' as const,
      channel: 'public' as const,
      conversationId: id,
      media: [],
      test: false,
      deliveryId: event.deliveryId,
    };
    const interactions: Interaction[] = [
      {
        ...base,
        action: payload.type === 'NEW_REVIEW' ? 'create' : 'edit',
        externalId: id,
        // Google gives no reviewer id: the review stands for its author.
        author: {
          id: `reviewer:${review.reviewId ?? id.split('/').pop()}`,
          name: review.reviewer?.isAnonymous ? undefined : review.reviewer?.displayName,
        },
        text: review.comment ?? '',
        createdAt: at(review.createTime),
        fromBrand: false,
        addressed: true,
        rating: STARS[review.starRating as keyof typeof STARS],
      },
    ];
    // The owner's reply is part of the review: once it is there, the review has its answer.
    if (review.reviewReply)
      interactions.push({
        ...base,
        action: 'create',
        externalId: `${id}/reply`,
        inReplyTo: id,
        author: { id: 'owner', name: 'the business owner' },
        text: review.reviewReply.comment,
        createdAt: at(review.reviewReply.updateTime),
        fromBrand: true,
        addressed: true,
      });
    return interactions;
  },
};
