import { BadRequest, NotFound, PayloadTooLarge, Unauthorized } from '../model/errors.ts';
import type { QueuedEvent } from '../model/interaction.ts';
import { isValidSenderName } from '../platforms/generic.ts';
import { parserForSource } from '../platforms/index.ts';
import type { HandshakeResponse, SourceParser, WebhookRequest } from '../platforms/parser.ts';
import { describeShape } from '../platforms/shape.ts';
import type { Clock, EventQueue, ReplayGuard, WebhookSecrets } from '../ports.ts';
import { type SecretField, SOURCES } from '../sources.ts';

export interface IngestDeps {
  queue: EventQueue;
  replayGuard: ReplayGuard;
  secrets: () => Promise<WebhookSecrets>;
  clock: Clock;
  maxBodyBytes: number;
  acceptLegacyMetaSha1?: boolean;
  /** Told about signed deliveries that are rejected as unreadable (no secrets, no message text). */
  onRejected?: (rejection: { platform: string; reason: string; bytes: number; shape: unknown }) => void;
  /** Told when a request arrives for a source whose secret is absent or was refused as weak (it gets 401). */
  onSecretMissing?: (route: string) => void;
  /** Unique per delivery (the Lambda request id): traces every message to the request that carried it. */
  deliveryId: string;
}

export type IngestOutcome =
  | { kind: 'handshake'; response: HandshakeResponse }
  | { kind: 'accepted'; enqueued: number; ignored: string[]; duplicate?: true };

function assertNormalizable(parser: SourceParser) {
  return (event: QueuedEvent, index: number) => {
    try {
      parser.normalize(event);
    } catch {
      throw new BadRequest(`event ${index} (${event.type}) is malformed`);
    }
  };
}

function parserFor(request: WebhookRequest) {
  const sender = request.pathParameters['sender'];
  if (sender !== undefined && !isValidSenderName(sender))
    throw new NotFound(`unknown webhook sender '${sender}'`);
  return parserForSource(request.source);
}

/**
 * Verify → split → enqueue. Answers only once every event is on the queue, so a platform retry
 * (on our 5xx) never loses anything; duplicates are removed downstream.
 */
export async function ingestDelivery(request: WebhookRequest, deps: IngestDeps): Promise<IngestOutcome> {
  const parser = parserFor(request);
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
  parser.verify(request, secrets, deps.clock.wallNow(), { acceptLegacyMetaSha1: deps.acceptLegacyMetaSha1 });

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
  let split: ReturnType<typeof parser.split>;
  let queued: QueuedEvent[];
  try {
    split = parser.split(body, request);
    queued = split.events.map((event, index) => ({
      ...event,
      v: 1,
      deliveryId: `${deps.deliveryId}:${index}`,
      receivedAt,
    }));
    // Normalizing here too (cheap) means a malformed event is a 400 now, not a poison message later.
    queued.forEach(assertNormalizable(parser));
  } catch (error) {
    // Signed by the platform yet unreadable: keep a safe trace so the format can be investigated.
    if (error instanceof BadRequest) {
      deps.onRejected?.({
        platform: parser.source,
        reason: error.message,
        bytes: request.rawBody.length,
        shape: describeShape(body),
      });
    }
    throw error;
  }
  const { ignored } = split;
  // A sender that dedupes by message id gets 200 for a replay of an accepted message, and nothing is
  // enqueued again. The id is marked accepted only once its events are on the queue.
  const replay = parser.replayId?.(request);
  if (replay && (await deps.replayGuard.begin(replay.key, replay.expiresAt)) === 'replay')
    return { kind: 'accepted', enqueued: 0, ignored, duplicate: true };
  if (queued.length > 0) await deps.queue.enqueue(queued);
  if (replay) await deps.replayGuard.accepted(replay.key);
  return { kind: 'accepted', enqueued: queued.length, ignored };
}
