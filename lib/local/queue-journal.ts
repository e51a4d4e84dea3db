import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

/** A message as SendMessage took it; enough to send it again after a crash. */
export interface JournaledMessage {
  MessageBody: string;
  MessageAttributes?: Record<string, unknown>;
}

type Line =
  | { op: 'send'; id: string; queue: string; message: JournaledMessage }
  | { op: 'delete'; id: string };

/** The queue name of a queue URL (…/<account>/<name>): ports change between runs, names do not. */
export const queueName = (url: string) => url.split('/').pop() ?? url;

/**
 * A write-ahead journal that makes the twin's in-memory SQS emulator durable. Every message a queue
 * accepts is appended (and fsynced) before the sender hears "sent"; every delete is appended after
 * it. On start, what was sent and never deleted — waiting, or in flight when the process died — is
 * sent again. A message may so be delivered twice (as SQS may); never lost. Writes are grouped: one
 * fsync covers every send of the same moment, so a storm is not one disk flush per message.
 */
export class QueueJournal {
  private fd: number;
  private waiting: { line: string; done: () => void }[] = [];
  private scheduled = false;
  /** Receipt handle → message id, for the deletes (receipts are per receive, so memory is enough). */
  private receipts = new Map<string, string>();

  constructor(private readonly file: string) {
    this.fd = openSync(file, 'a');
  }

  /** What the previous run left on its queues (by queue name), with the journal compacted to it. */
  recover(): { id: string; queue: string; message: JournaledMessage }[] {
    if (!existsSync(this.file)) return [];
    const pending = new Map<string, { id: string; queue: string; message: JournaledMessage }>();
    for (const text of readFileSync(this.file, 'utf8').split('\n')) {
      if (!text) continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // a line torn by the crash: its sender never heard "sent" (the fsync had not returned)
      }
      if (line.op === 'send') pending.set(line.id, line);
      else pending.delete(line.id);
    }
    const compacted = `${this.file}.compact`;
    const fd = openSync(compacted, 'w');
    for (const entry of pending.values()) writeSync(fd, `${JSON.stringify({ op: 'send', ...entry })}\n`);
    fdatasyncSync(fd);
    closeSync(fd);
    closeSync(this.fd);
    renameSync(compacted, this.file);
    this.fd = openSync(this.file, 'a');
    return [...pending.values()];
  }

  /** Resolves once the send is on disk. */
  sent(id: string, queue: string, message: JournaledMessage): Promise<void> {
    return new Promise((done) => {
      this.waiting.push({ line: `${JSON.stringify({ op: 'send', id, queue, message })}\n`, done });
      this.schedule();
    });
  }

  received(id: string, receiptHandle: string): void {
    this.receipts.set(receiptHandle, id);
  }

  /** A lost delete only means one more delivery: no need to wait for the disk. */
  deleted(receiptHandle: string): void {
    const id = this.receipts.get(receiptHandle);
    if (!id) return;
    this.receipts.delete(receiptHandle);
    this.forget(id);
  }

  /** The message with this id is gone for good (deleted, or re-sent under a new id). */
  forget(id: string): void {
    this.waiting.push({ line: `${JSON.stringify({ op: 'delete', id })}\n`, done: () => {} });
    this.schedule();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush() {
    this.scheduled = false;
    const batch = this.waiting.splice(0);
    if (batch.length === 0) return;
    writeSync(this.fd, batch.map((w) => w.line).join(''));
    fdatasyncSync(this.fd);
    for (const w of batch) w.done();
  }
}
