import type { Interaction, QueuedEvent } from '../model/interaction.ts';
import type { UnstampedEvent } from '../model/queued-events.ts';
import type { OidcVerifier, WebhookSecrets } from '../ports.ts';
import type { SourceName } from '../sources.ts';

/** A webhook request as the core sees it: the exact raw body bytes and lower-cased header names. */
export interface WebhookRequest {
  /** Which registered source's route received it. */
  source: SourceName;
  method: string;
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  pathParameters: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
}

/** A response for a platform's handshake (X CRC, Meta hub.challenge). */
export interface HandshakeResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface VerifyOptions {
  /** Meta's legacy `X-Hub-Signature` (HMAC-SHA1), only when a team turns it on. */
  acceptLegacyMetaSha1?: boolean;
  /** Checks a Google-signed OIDC token (Pub/Sub push): only the sources that deliver one need it. */
  oidc?: OidcVerifier;
}

export interface SignOptions {
  now: Date;
  /** The delivery's message id where the scheme carries one (Standard Webhooks `webhook-id`). */
  messageId: string;
}

export interface SplitResult {
  events: UnstampedEvent[];
  /**
   * Event types Heed acknowledges but does not handle (likes, follows, read receipts, objects and
   * forms it does not know): counted, kept in the raw archive for `heed reprocess`, never refused.
   */
  ignored: string[];
  /** Why a delivery from a sender Heed documents the format for was not understood (told to that sender). */
  problems?: unknown;
}

export interface SourceParser {
  /** Its entry in the source registry (route, platforms, secrets). */
  readonly source: SourceName;
  handshake?(request: WebhookRequest, secrets: WebhookSecrets): HandshakeResponse;
  /**
   * The headers the platform would send with `rawBody`, signed with `secret` (its verifying secret):
   * `heed replay` and `heed demo` re-send recorded deliveries this way. verify() accepts exactly these.
   */
  sign(rawBody: Buffer, secret: string, options: SignOptions): Record<string, string>;
  /**
   * Throws (or rejects with) Unauthorized unless the delivery is signed by a current or grace-period
   * secret. Asynchronous only where the signer's public keys must be fetched (OIDC).
   */
  verify(
    request: WebhookRequest,
    secrets: WebhookSecrets,
    now: Date,
    options?: VerifyOptions,
  ): void | Promise<void>;
  /** The delivery's message id and how long the sender may replay it, when its spec asks receivers to dedupe. */
  replayId?(request: WebhookRequest): { key: string; expiresAt: Date };
  /**
   * Splits a verified, parsed delivery into one queued event per message. Never throws: what it does
   * not know is `ignored`, and an item of a known type that is malformed is queued all the same (it
   * fails normalization and reaches the DLQ with its reason).
   */
  split(body: unknown, request: WebhookRequest): SplitResult;
  /**
   * The resource an event only points at (a Google review notification carries the review's name):
   * the processor fetches it and hands it to normalize() as the payload's `resource` (null: gone).
   */
  resourceOf?(event: QueuedEvent): string | undefined;
  /** Turns one queued event into interactions (empty when the event carries no message). Throws on a malformed event. */
  normalize(event: QueuedEvent): Interaction[];
}
