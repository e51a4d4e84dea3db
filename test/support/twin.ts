import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Complaint } from '#core/model/complaint.ts';
import { timerName } from '#core/sla/timers.ts';
import { type OutboxLine, startTwin, type Twin, type TwinOptions } from '../../lib/local/twin.ts';
import { signMeta, signX } from './signing.ts';

export const API_TOKEN = 'test-api-token';

/** Starts a twin on a free port with its own data directory; one per test file (handlers are module singletons). */
export async function startTestTwin(options: TwinOptions = {}): Promise<TestTwin> {
  const logs: string[] = [];
  const twin = await startTwin({
    port: 0,
    dataDir: mkdtempSync(path.join(tmpdir(), 'heed-e2e-')),
    apiToken: API_TOKEN,
    log: (l) => logs.push(l),
    ...options,
  });
  return new TestTwin(twin, logs);
}

export class TestTwin {
  constructor(
    readonly twin: Twin,
    readonly logs: string[],
  ) {}

  fetch(pathname: string, init: RequestInit = {}) {
    return fetch(`${this.twin.url}${pathname}`, init);
  }

  api(pathname: string, init: RequestInit = {}) {
    return this.fetch(pathname, {
      ...init,
      headers: { authorization: `Bearer ${API_TOKEN}`, ...(init.headers as Record<string, string>) },
    });
  }

  async json<T = Record<string, unknown>>(pathname: string, init: RequestInit = {}): Promise<T> {
    const response = await this.api(pathname, init);
    if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Every stored complaint, page by page through the API. */
  async allComplaints(): Promise<Complaint[]> {
    const items: Complaint[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Complaint[]; nextCursor: string | null } = await this.json(
        `/complaints?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  postX(body: unknown, signature?: string) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return this.fetch('/webhooks/x', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-twitter-webhooks-signature': signature ?? signX(this.twin.secrets.xConsumerSecret, text),
      },
      body: text,
    });
  }

  postMeta(body: unknown) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return this.fetch('/webhooks/meta', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': signMeta(this.twin.secrets.metaAppSecret, text),
      },
      body: text,
    });
  }

  /** The ARN of a complaint's timer execution of that generation. */
  timerArn(complaintId: string, generation = 0): string {
    return `${this.twin.stateMachineArn.replace(':stateMachine:', ':execution:')}:${timerName(complaintId, generation)}`;
  }

  outbox(): OutboxLine[] {
    if (!existsSync(this.twin.outboxPath)) return [];
    return readFileSync(this.twin.outboxPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as OutboxLine);
  }

  stop() {
    return this.twin.stop();
  }
}

/** Polls until `probe` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
