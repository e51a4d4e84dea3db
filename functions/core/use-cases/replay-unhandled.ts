import { type QueuedEvent, UnhandledPayload } from '../model/interaction.ts';
import { parserForSource } from '../platforms/index.ts';
import type { EventQueue, RawArchive } from '../ports.ts';
import type { SourceName } from '../sources.ts';

export interface ReplayReport {
  /** Unhandled deliveries read from the archive. */
  deliveries: number;
  /** Events the current parsers now handle, put back on the queue. */
  enqueued: number;
  /** Deliveries fully handled now, dropped from the archive. */
  settled: number;
  /** Deliveries that still hold event types Heed does not handle (kept). */
  stillUnhandled: number;
}

/**
 * `heed reprocess`: splits every kept, verified delivery of a source again with today's parsers and
 * queues what they now handle. Safe to run any number of times: processing is idempotent (a message
 * already stored is a duplicate), and a delivery leaves the archive only once nothing in it is unhandled.
 */
export async function replayUnhandled(
  deps: { archive: RawArchive; queue: EventQueue },
  source: SourceName,
): Promise<ReplayReport> {
  const report: ReplayReport = { deliveries: 0, enqueued: 0, settled: 0, stillUnhandled: 0 };
  const parser = await parserForSource(source);
  let cursor: string | undefined;
  do {
    const page = await deps.archive.listUnhandled(source, cursor);
    for (const kept of page.events) {
      report.deliveries++;
      const { body, sender } = UnhandledPayload.parse(kept.payload);
      const split = parser.split(body, {
        source,
        method: 'POST',
        headers: {},
        query: {},
        pathParameters: sender ? { sender } : {},
        rawBody: Buffer.alloc(0),
      });
      const events: QueuedEvent[] = split.events.map((event, index) => ({
        ...event,
        v: 1,
        deliveryId: `${kept.deliveryId}:replay:${index}`,
        receivedAt: kept.receivedAt,
      }));
      if (events.length > 0) await deps.queue.enqueue(events);
      report.enqueued += events.length;
      if (split.ignored.length === 0) {
        await deps.archive.dropUnhandled(kept);
        report.settled++;
      } else report.stillUnhandled++;
    }
    cursor = page.cursor;
  } while (cursor);
  return report;
}
