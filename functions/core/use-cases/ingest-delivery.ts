import { BadRequest, NotFound, PayloadTooLarge } from '../model/errors.ts';
import type { QueuedEvent } from '../model/interaction.ts';
import type { HandshakeResponse, WebhookRequest } from '../platforms/adapter.ts';
import { isValidSourceName } from '../platforms/generic.ts';
import { adapterForRoute } from '../platforms/index.ts';
import type { Clock, EventQueue, WebhookSecrets } from '../ports.ts';

export interface IngestDeps {
  queue: EventQueue;
  secrets: () => Promise<WebhookSecrets>;
  clock: Clock;
  maxBodyBytes: number;
  /** Unique per delivery (the Lambda request id): traces every message to the request that carried it. */
  deliveryId: string;
}

export type IngestOutcome =
  | { kind: 'handshake'; response: HandshakeResponse }
  | { kind: 'accepted'; enqueued: number; ignored: string[] };

function adapterFor(request: WebhookRequest) {
  const route = request.pathParameters['platform'] ?? '';
  const source = request.pathParameters['source'];
  if (source !== undefined && (route !== 'generic' || !isValidSourceName(source))) {
    throw new NotFound(`unknown webhook source '${source}'`);
  }
  return adapterForRoute(route);
}

/**
 * Verify → split → enqueue. Answers only once every event is on the queue, so a platform retry
 * (on our 5xx) never loses anything; duplicates are removed downstream.
 */
export async function ingestDelivery(request: WebhookRequest, deps: IngestDeps): Promise<IngestOutcome> {
  const adapter = adapterFor(request);
  const secrets = await deps.secrets();
  if (request.method === 'GET') {
    if (!adapter.handshake) throw new NotFound(`no handshake for '${adapter.route}'`);
    return { kind: 'handshake', response: adapter.handshake(request, secrets) };
  }
  if (request.rawBody.length > deps.maxBodyBytes) throw new PayloadTooLarge(deps.maxBodyBytes);
  const now = deps.clock.now();
  adapter.verify(request, secrets, now);

  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw new BadRequest('body is not valid JSON');
  }
  const { events, ignored } = adapter.split(body, request);
  const receivedAt = now.toISOString();
  const queued: QueuedEvent[] = events.map((event, index) => ({
    ...event,
    v: 1,
    deliveryId: `${deps.deliveryId}:${index}`,
    receivedAt,
  }));
  if (queued.length > 0) await deps.queue.enqueue(queued);
  return { kind: 'accepted', enqueued: queued.length, ignored };
}
