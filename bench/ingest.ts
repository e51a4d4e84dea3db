// The ingest hot path (`npm run bench`): the real ingest handler against a floor handler (HMAC verify,
// JSON.parse, one SendMessageBatch) with the same SDK client to the same SQS emulator, in a fresh
// process that has the ingest function's environment and execution role (bench/ingest-probe.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTwin } from '../lib/local/twin.ts';
import { metaPageComment, xTweet } from '../test/fixtures/deliveries.ts';

export interface IngestFigures {
  /** Deliveries per second, one invocation at a time (one Lambda execution environment). */
  oneEnvironment: { heed: number; floor: number };
  /** Deliveries per second, eight in flight in one process (CPU-bound). */
  eightInOneProcess: { heed: number; floor: number };
  single: { p50: number; p99: number };
  batch: { p50: number; p99: number };
}

export async function ingestAgainstFloor(deliveries = 1500): Promise<IngestFigures> {
  // No consumer: the processor would compete with the emulator for the cores while the two are timed.
  const twin = await startTwin({
    port: 0,
    dataDir: mkdtempSync(path.join(tmpdir(), 'heed-ingest-')),
    eventSources: false,
    log: () => {},
  });
  try {
    const bodies = Array.from({ length: deliveries }, (_, i) =>
      JSON.stringify(xTweet({ id: String(1960000000000000000n + BigInt(i)) })),
    );
    const change = metaPageComment.entry[0]!.changes[0]!;
    const metaBatch = JSON.stringify({
      ...metaPageComment,
      entry: Array.from({ length: 100 }, (_, i) => ({
        ...metaPageComment.entry[0]!,
        changes: [{ ...change, value: { ...change.value, comment_id: `444444444_${900000 + i}` } }],
      })),
    });
    const credentials = twin.credentialsOf('ingest');
    // Asynchronously: the twin serving the probe's calls runs in this process. PROBE_NODE_ARGS (e.g.
    // "--cpu-prof --cpu-prof-dir=/tmp/probe") profiles the probe: where a ratio's gap comes from.
    const child = spawn(process.execPath, [...(process.env['PROBE_NODE_ARGS']?.split(' ') ?? []), '--import', 'tsx', fileURLToPath(new URL('./ingest-probe.ts', import.meta.url))], {
      env: {
        ...process.env,
        ...twin.environmentOf('ingest'),
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stdin.end(JSON.stringify({ secret: twin.secrets.xConsumerSecret, bodies, metaSecret: twin.secrets.metaAppSecret, metaBatch }));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the ingest probe exited with ${code}`);
    return JSON.parse(out.trim().split('\n').pop()!) as IngestFigures;
  } finally {
    await twin.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await ingestAgainstFloor(500));
