#!/usr/bin/env node
import { startBanner } from '../lib/local/banner.ts';
import { startTwin } from '../lib/local/twin.ts';

const HELP = `heed — the local twin and tools

  heed start                 run the whole pipeline locally (PORT, HEED_DATA_DIR, SLA_TIME_SCALE, API_TOKEN, *_SECRET)
  heed classify              JSON lines {"text", ...author fields} on stdin → one triage JSON line each
  heed train                 rebuild functions/core/triage/model.json from ../shared/data/complaints-dev.csv
  heed eval                  10-fold cross-validation report and throughput
  heed export-labels         corrected complaints as training CSV (HEED_API_URL, API_TOKEN)
  heed sla explain <id>      a complaint's deadlines, and why (HEED_API_URL, API_TOKEN)
  heed replay [--source S]   queue what Heed now handles in the deliveries it kept unhandled
  heed redrive [--max N]     move messages from the DLQ back to the queue, and say how many
                             (both act on the running twin, or HEED_TABLE_NAME/HEED_QUEUE_URL/HEED_DLQ_URL)
  heed help                  this text
`;

async function start() {
  const twin = await startTwin();
  console.log(startBanner(twin));
  const shutdown = async () => {
    await twin.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

const [command = 'help'] = process.argv.slice(2);
const commands: Record<string, () => Promise<void>> = {
  start,
  classify: async () => (await import('../lib/cli/classify.ts')).classifyStdin(),
  'export-labels': async () => (await import('../lib/cli/api-tools.ts')).exportLabels(),
  sla: async () => {
    const [sub, id] = process.argv.slice(3);
    if (sub !== 'explain') throw new Error('usage: heed sla explain <complaintId>');
    await (await import('../lib/cli/api-tools.ts')).slaExplain(id);
  },
  replay: async () => (await import('../lib/cli/queue-tools.ts')).replay(process.argv.slice(3)),
  redrive: async () => {
    await (await import('../lib/cli/queue-tools.ts')).redrive(process.argv.slice(3));
  },
  train: async () => (await import('../lib/training/cli.ts')).train(),
  eval: async () => (await import('../lib/training/cli.ts')).evaluate(),
  help: async () => console.log(HELP),
};
const run = commands[command];
if (!run) {
  console.error(`unknown command '${command}'\n${HELP}`);
  process.exit(2);
}
run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
