import { BadRequest, NotFound, PayloadTooLarge, Unauthorized } from '../model/errors.ts';
import type { Platform, QueuedEvent, UnhandledPayload } from '../model/interaction.ts';
import { stamped, UNHANDLED_EVENT } from '../model/queued-events.ts';
import { parserForSource } from '../platforms/index.ts';
import type { HandshakeResponse, SourceParser, SplitResult, WebhookRequest } from '../platforms/parser.ts';
import { describeShape } from '../platforms/shape.ts';
import type { Clock, EventQueue, OidcVerifier, ReplayGuard, WebhookSecrets } from '../ports.ts';
import { isValidSenderName, type SecretField, SOURCES, type SourceName } from '../sources.ts';

export interface IngestDeps {
  queue: EventQueue;
  replayGuard: ReplayGuard;
  secrets: () => Promise<WebhookSecrets>;
  clock: Clock;
  maxBodyBytes: number;
  acceptLegacyMetaSha1?: boolean;
  /** Google-signed OIDC tokens (Pub/Sub push): the sources that deliver one are refused without it. */
  oidc?: OidcVerifier;
  /** Told about signed deliveries Heed could not read (no secrets, no message text): refused as not JSON, or kept whole after a parser failure. */
  onRejected?: (rejection: { platform: string; reason: string; bytes: number; shape: unknown }) => void;
  /** Told when a request arrives for a source whose secret is absent or was refused as weak (it gets 401). */
  onSecretMissing?: (route: string) => void;
  /** Unique per delivery (the Lambda request id): traces every message to the request that carried it. */
  deliveryId: string;
}

export type IngestOutcome =
  | { kind: 'handshake'; response: HandshakeResponse }
  | { kind: 'accepted'; enqueued: number; ignored: string[]; duplicate?: true; problems?: unknown };

/** The platform an unhandled delivery is filed under: its source's first (the queue message needs one). */
function defaultPlatform(source: SourceName): Platform {
  return Object.keys(SOURCES[source].platforms)[0] as Platform;
}

/**
 * A parser never refuses a verified delivery; should one throw all the same (a bug), the delivery is
 * still acknowledged and kept whole, so nothing a platform sent is lost or retried into a disable.
 */
function splitSafely(
  parser: SourceParser,
  body: object,
  request: WebhookRequest,
  deps: IngestDeps,
): SplitResult {
  try {
    return parser.split(body, request);
  } catch (error) {
    deps.onRejected?.({
      platform: parser.source,
      reason: `parser failed: ${(error as Error).message}`,
      bytes: request.rawBody.length,
      shape: describeShape(body),
    });
    return { events: [], ignored: [`${parser.source}:unreadable`] };
  }
}

function parserFor(request: WebhookRequest): Promise<SourceParser> {
  const sender = request.pathParameters['sender'];
  if (sender !== undefined && !isValidSenderName(sender))
    throw new NotFound(`unknown webhook sender '${sender}'`);
  return parserForSource(request.source);
}

/**
 * Verify → split → enqueue. Answers only once every event is on the queue, so a platform retry
 * (on our 5xx) never loses anything; duplicates are removed downstream. A verified JSON object is
 * always accepted: what Heed does not handle is acknowledged and kept, a malformed event goes to the
 * DLQ from the processor, never back to the platform as a 4xx (which it reads as our failure, and
 * answers by retrying, warning, then disabling the subscription).
 */
export async function ingestDelivery(request: WebhookRequest, deps: IngestDeps): Promise<IngestOutcome> {
  const parser = await parserFor(request);
  const spec = SOURCES[parser.source];
  const secrets = await deps.secrets();
  const requireSecret = (field: SecretField) => {
    if (secrets[field].length > 0) return;
    deps.onSecretMissing?.(parser.source);
    throw new Unauthorized(
      `no valid secret is configured for '${parser.source}': requests cannot be verified`,
    );
  };
  if (request.method === 'GET') {
    const handshakeWith = 'handshakeWith' in spec ? spec.handshakeWith : undefined;
    if (!parser.handshake || !handshakeWith) throw new NotFound(`no handshake for '${parser.source}'`);
    requireSecret(handshakeWith);
    return { kind: 'handshake', response: parser.handshake(request, secrets) };
  }
  if (request.rawBody.length > deps.maxBodyBytes) throw new PayloadTooLarge(deps.maxBodyBytes);
  requireSecret(spec.verifyWith);
  const now = deps.clock.now();
  await parser.verify(request, secrets, deps.clock.wallNow(), {
    acceptLegacyMetaSha1: deps.acceptLegacyMetaSha1,
    oidc: deps.oidc,
  });

  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    deps.onRejected?.({
      platform: parser.source,
      reason: 'body is not valid JSON',
      bytes: request.rawBody.length,
      shape: null,
    });
    throw new BadRequest('body is not valid JSON');
  }
  // Every platform delivers a JSON object. Refusing anything else also means that no string a
  // handshake endpoint answers (a bare token) can pass as a signed delivery.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    deps.onRejected?.({
      platform: parser.source,
      reason: 'body is not a JSON object',
      bytes: request.rawBody.length,
      shape: describeShape(body),
    });
    throw new BadRequest('body must be a JSON object');
  }
  const receivedAt = now.toISOString();
  const split = splitSafely(parser, body, request, deps);
  const queued: QueuedEvent[] = split.events.map((event, index) =>
    stamped(event, `${deps.deliveryId}:${index}`, receivedAt),
  );
  const { ignored } = split;
  // What Heed does not handle yet is kept whole (the processor archives it for `heed reprocess`).
  if (ignored.length > 0)
    queued.push(
      stamped(
        {
          platform: defaultPlatform(parser.source),
          type: UNHANDLED_EVENT,
          payload: {
            source: parser.source,
            sender: request.pathParameters['sender'],
            ignored,
            body,
          } satisfies UnhandledPayload,
        },
        `${deps.deliveryId}:unhandled`,
        receivedAt,
      ),
    );
  // A sender that dedupes by message id gets 200 for a replay of an accepted message, and nothing is
  // enqueued again. The id is marked accepted only once its events are on the queue.
  const replay = parser.replayId?.(request);
  if (replay && (await deps.replayGuard.begin(replay.key, replay.expiresAt)) === 'replay')
    return { kind: 'accepted', enqueued: 0, ignored, duplicate: true };
  if (queued.length > 0) await deps.queue.enqueue(queued);
  if (replay) await deps.replayGuard.accepted(replay.key);
  return { kind: 'accepted', enqueued: split.events.length, ignored, problems: split.problems };
}
