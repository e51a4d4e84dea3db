import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parserForSource } from '#core/platforms/index.ts';
import { SECRET_SPECS, SOURCE_NAMES, SOURCES, type SourceName } from '#core/sources.ts';

/**
 * Recorded deliveries, re-sent to a stage's webhook routes signed as their platform signs them
 * (`heed replay`, `heed demo`). The body is sent byte for byte as recorded: a signature is over the
 * exact bytes, and a platform's own formatting (X's escaped slashes, Meta's unicode escapes) is part
 * of what a replay should exercise.
 */
export interface RecordedDelivery {
  /** Where it came from, for the report: `file.jsonl:3`. */
  name: string;
  source: SourceName;
  /** A generic source's sender (its route is /webhooks/generic/{sender}). */
  sender?: string;
  body: Buffer;
  /** Standard Webhooks `webhook-id`: the recorded one, else derived from the body (a replay of the same recording is deduplicated). */
  messageId: string;
}

/**
 * The envelope a recording may use: `{"source": "meta", "body": …}` with the body as the exact text
 * sent (a string) or as JSON; `sender` for a generic source; recorded `headers` keep their webhook-id.
 * A bare platform payload is recognized by its shape (X's for_user_id or data.event_type, Meta's
 * object and entry, a generic interaction or batch).
 */
interface Envelope {
  source: SourceName;
  sender?: string;
  body: unknown;
  headers?: Record<string, string>;
}

const RECORDING_FILES = /\.(json|jsonl|ndjson)$/i;

/** Every recording in a file (.json: one delivery or an array; .jsonl: one per line) or a directory (sorted by path). */
export function readRecordings(target: string): RecordedDelivery[] {
  if (!existsSync(target)) throw new Error(`${target}: no such file or directory`);
  if (statSync(target).isDirectory()) {
    const files = readdirSync(target, { recursive: true, encoding: 'utf8' })
      .filter((file) => RECORDING_FILES.test(file))
      .sort();
    if (files.length === 0) throw new Error(`${target}: no .json or .jsonl recordings in it`);
    return files.flatMap((file) => readRecordings(path.join(target, file)));
  }
  const text = readFileSync(target, 'utf8');
  const name = path.basename(target);
  if (/\.(jsonl|ndjson)$/i.test(target))
    return text.split('\n').flatMap((line, i) => {
      if (!line.trim()) return [];
      return [recording(`${name}:${i + 1}`, parse(line, `${name}:${i + 1}`), line)];
    });
  const value = parse(text, name);
  if (Array.isArray(value)) return value.map((item, i) => recording(`${name}[${i}]`, item));
  // A whole file that is one bare payload is sent as its exact text.
  return [recording(name, value, text.trim())];
}

function parse(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${name}: not JSON (${(error as Error).message})`);
  }
}

function recording(name: string, value: unknown, exactText?: string): RecordedDelivery {
  const envelope = asEnvelope(value);
  if (envelope) {
    const { body } = envelope;
    const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return delivery(name, envelope.source, bytes, envelope.sender, envelope.headers?.['webhook-id']);
  }
  const source = sourceOfPayload(value);
  if (!source)
    throw new Error(
      `${name}: not a delivery Heed recognizes; wrap it as {"source": "${SOURCE_NAMES.join('" | "')}", "body": …}`,
    );
  return delivery(name, source, Buffer.from(exactText ?? JSON.stringify(value)));
}

function delivery(
  name: string,
  source: SourceName,
  body: Buffer,
  sender?: string,
  messageId?: string,
): RecordedDelivery {
  const id =
    messageId ??
    `msg_${createHash('sha256')
      .update(`${source}/${sender ?? ''}/`)
      .update(body)
      .digest('hex')
      .slice(0, 24)}`;
  return { name, source, ...(sender ? { sender } : {}), body, messageId: id };
}

function asEnvelope(value: unknown): Envelope | undefined {
  if (!isObject(value) || !('body' in value) || typeof value['source'] !== 'string') return undefined;
  if (!(SOURCE_NAMES as string[]).includes(value['source']))
    throw new Error(`unknown source ${value['source']}: one of ${SOURCE_NAMES.join(', ')}`);
  return value as unknown as Envelope;
}

/** The source a bare payload is for, from the shape its platform documents. */
export function sourceOfPayload(value: unknown): SourceName | undefined {
  if (!isObject(value)) return undefined;
  if ('for_user_id' in value || 'user_event' in value) return 'x';
  if (isObject(value['data']) && 'event_type' in value['data']) return 'x';
  if ('object' in value && Array.isArray(value['entry'])) return 'meta';
  if (Array.isArray(value['interactions']) || ('id' in value && 'text' in value)) return 'generic';
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The secret each source verifies with, as the stage has it: the twin's variables, else its data directory. */
export type SigningSecrets = Record<SourceName, string>;

export function signingSecrets(env: NodeJS.ProcessEnv = process.env): SigningSecrets {
  const file = path.resolve(env['HEED_DATA_DIR'] ?? '.heed', 'secrets.json');
  const kept = (() => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  })();
  return Object.fromEntries(
    SOURCE_NAMES.map((source) => {
      const field = SOURCES[source].verifyWith;
      const variable = SECRET_SPECS[field].env;
      const value = env[variable] ?? kept[field];
      if (!value)
        throw new Error(
          `no secret to sign ${source} deliveries with: set ${variable} (the stage's value), or start the twin (npm start) so ${file} exists`,
        );
      return [source, value];
    }),
  ) as SigningSecrets;
}

export interface SendResult {
  name: string;
  source: SourceName;
  status: number;
  /** What intake answered (its problem detail on a refusal). */
  detail: string;
}

/** The route a delivery goes to on a stage whose API is at `url`. */
export function webhookUrl(
  url: string,
  d: Pick<RecordedDelivery, 'source' | 'sender'>,
  secrets?: Partial<SigningSecrets>,
): string {
  // Trustpilot's secret is the last part of its URL (it signs nothing).
  const path = SOURCES[d.source].path
    .replace('{sender}', encodeURIComponent(d.sender ?? 'generic'))
    .replace('{token}', encodeURIComponent(secrets?.[d.source] ?? ''));
  return `${url}${path}`;
}

const RETRIES = 4;

/**
 * Sends each delivery, signed now, `concurrency` at a time, in order of start. Like the platforms,
 * retries what intake could not take (5xx, 429, a refused connection) with backoff; a 4xx is the
 * answer. `onSent` is called after each (progress).
 */
export async function sendDeliveries(
  deliveries: readonly RecordedDelivery[],
  options: {
    url: string;
    secrets: SigningSecrets;
    concurrency?: number;
    onSent?: (result: SendResult) => void;
    now?: () => Date;
  },
): Promise<SendResult[]> {
  const results: SendResult[] = new Array(deliveries.length);
  let next = 0;
  const worker = async () => {
    while (next < deliveries.length) {
      const index = next++;
      const result = await sendOne(deliveries[index]!, options);
      results[index] = result;
      options.onSent?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return results;
}

async function sendOne(
  d: RecordedDelivery,
  options: { url: string; secrets: SigningSecrets; now?: () => Date },
): Promise<SendResult> {
  const parser = await parserForSource(d.source);
  for (let attempt = 1; ; attempt++) {
    let headers: Record<string, string>;
    try {
      headers = parser.sign(d.body, options.secrets[d.source], {
        now: options.now?.() ?? new Date(),
        messageId: d.messageId,
      });
    } catch (error) {
      // A source that signs with its own keys (Google's OIDC) cannot be re-sent: said, not thrown.
      return { name: d.name, source: d.source, status: 0, detail: (error as Error).message };
    }
    try {
      const response = await fetch(webhookUrl(options.url, d, options.secrets), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: new Uint8Array(d.body),
      });
      const text = await response.text();
      const retry = response.status >= 500 || response.status === 429;
      if (!retry || attempt >= RETRIES)
        return { name: d.name, source: d.source, status: response.status, detail: detailOf(text) };
    } catch (error) {
      if (attempt >= RETRIES)
        return { name: d.name, source: d.source, status: 0, detail: (error as Error).message };
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
  }
}

function detailOf(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    return String(body['detail'] ?? body['status'] ?? text).slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
