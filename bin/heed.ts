#!/usr/bin/env node
import { startTwin } from '../lib/local/twin.ts';

const HELP = `heed — the local twin and tools

  heed start        run the whole pipeline locally (PORT, HEED_DATA_DIR, SLA_TIME_SCALE, API_TOKEN, *_SECRET)
  heed help         this text
`;

async function start() {
  const twin = await startTwin();
  const s = twin.secrets;
  console.log(`
Heed local twin is up (data in ${twin.dataDir}, SLA clock ×${twin.timeScale})

  Health           GET  ${twin.url}/health
  X webhook        POST ${twin.url}/webhooks/x          X_CONSUMER_SECRET=${s.xConsumerSecret}
  Meta webhook     POST ${twin.url}/webhooks/meta       META_APP_SECRET=${s.metaAppSecret}  META_VERIFY_TOKEN=${s.metaVerifyToken}
  Generic webhook  POST ${twin.url}/webhooks/generic/{source}  GENERIC_WEBHOOK_SECRET=${s.genericWebhookSecret}
  Complaints API   GET  ${twin.url}/complaints          Authorization: Bearer ${twin.apiToken}
  Outbox           ${twin.outboxPath}

Ctrl-C to stop.`);
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
