import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { Presets, SingleBar } from 'cli-progress';
import type { Complaint } from '#core/model/complaint.ts';
import { Kind, Severity, Status } from '#core/model/complaint.ts';
import { Platform } from '#core/model/interaction.ts';
import { SLA_STATES } from '#core/ports.ts';
import type { Stats } from '#core/stats/summary.ts';
import { apiClient, apiConnection, apiUrl } from './api-client.ts';
import { complaintsTable, LIST_FILTERS, listComplaints, type Out, statsTable } from './work-queue.ts';

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number above 0');
  return n;
};
const json = (out: Out, value: unknown) => out(`${JSON.stringify(value, null, 2)}\n`);

/** Progress on stderr, for people at a terminal (silent when piped, or for --json). */
function progressBar(shown: boolean) {
  const bar = new SingleBar(
    { format: '{bar} {value}/{total} deliveries', stream: process.stderr, noTTYOutput: false },
    Presets.shades_classic,
  );
  let running = false;
  return {
    start(total: number) {
      if (shown && process.stderr.isTTY) {
        bar.start(total, 0);
        running = true;
      }
    },
    increment: () => running && bar.increment(),
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

/**
 * The `heed` command line: the local twin, the work queue and the numbers, the operator tools and
 * the triage model. Commands reach the API of the running twin by default, or a deployed stage with
 * --api-url and --token (or HEED_API_URL, API_TOKEN). Tables for people, --json for scripts.
 */
export function buildProgram(out: Out = (text) => process.stdout.write(text)) {
  const program = new Command('heed')
    .description('Heed: no social-media complaint goes unanswered')
    .option('--api-url <url>', 'the API of a deployed stage (default: the running twin; HEED_API_URL)')
    .option('--token <jwt>', 'a token for that API (API_TOKEN)')
    .showHelpAfterError()
    .configureOutput({ writeOut: out });
  const client = () => apiClient(apiConnection(program.opts()));

  program
    .command('start')
    .description(
      'run the whole pipeline locally (PORT, HEED_DATA_DIR, SLA_TIME_SCALE, API_TOKEN, *_SECRET; HEED_SCHEDULE_SECONDS polls the listeners that often, HEED_LISTENING=off hears no samples)',
    )
    .action(async () => {
      const [{ startTwin }, { startBanner }] = await Promise.all([
        import('../local/twin.ts'),
        import('../local/banner.ts'),
      ]);
      // Listening runs against local sample servers (unless the stage configures its own, or HEED_LISTENING=off).
      const twin = await startTwin({
        listening: process.env['HEED_LISTENING'] === 'off' ? undefined : 'seeded',
      });
      out(`${startBanner(twin)}\n`);
      const shutdown = async () => {
        await twin.stop();
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });

  const complaints = program.command('complaints').description('work the queue');
  complaints
    .command('list')
    .description(
      'complaints: with no filter, the work queue (open ones, soonest deadline first); with filters, newest first (or --sort)',
    )
    .addOption(new Option('--status <status>', 'open, acknowledged or resolved').choices(Status.options))
    .addOption(new Option('--platform <platform>').choices(Platform.options))
    .addOption(new Option('--sla-state <state>', 'where they stand against the deadline').choices(SLA_STATES))
    .addOption(new Option('--kind <kind>').choices(Kind.options))
    .addOption(new Option('--severity <severity>').choices(Severity.options))
    .option('--assignee <who>', "an agent's complaints")
    .option('--since <time>', 'received at or after (ISO 8601 date or time)')
    .option('--until <time>', 'received at or before (a date: that whole day)')
    .option('--text <words>', 'text contains (within --since/--until)')
    .addOption(
      new Option('--sort <order>', 'deadline (soonest first) or received (newest first)').choices([
        'deadline',
        'received',
      ] as const),
    )
    .option('--author <platform:id>', "an author's complaints, e.g. x:6253282")
    .option('--corrected', 'only those whose triage an agent corrected')
    .option('--limit <n>', 'at most this many', positive, 25)
    .option('--all', 'every page')
    .option('--json', 'JSON for scripts')
    .action(async (options) => {
      // No filter at all: the work queue (open ones, soonest deadline first).
      const workQueue = LIST_FILTERS.every((key) => options[key] === undefined);
      const items = await listComplaints(client(), workQueue ? { ...options, status: 'open' } : options);
      if (options.json) json(out, items);
      else out(`${complaintsTable(items)}\n${items.length} complaint(s)\n`);
    });
  complaints
    .command('show')
    .description('one complaint with its timeline')
    .argument('<id>')
    .option('--json', 'JSON for scripts')
    .action(async (id, options) => {
      const c = await client().get<
        Complaint & { timeline: { at: string; type: string; detail: Record<string, unknown> }[] }
      >(`/complaints/${encodeURIComponent(id)}`);
      if (options.json) return json(out, c);
      out(`${complaintsTable([c])}\n${c.permalink ? `${c.permalink}\n` : ''}`);
      for (const e of c.timeline)
        out(`  ${e.at}  ${e.type.padEnd(13)} ${String(e.detail['by'] ?? e.detail['step'] ?? '')}\n`);
    });
  complaints
    .command('ack')
    .description('acknowledge one or many (a viral moment: up to 100 at once)')
    .argument('<ids...>')
    .option('--note <text>')
    .option('--json', 'JSON for scripts')
    .action(async (ids, options) => {
      const result = await client().post<{
        acknowledged: number;
        results: { id: string; outcome: string }[];
      }>('/complaints/ack', { ids, note: options.note });
      if (options.json) return json(out, result);
      for (const r of result.results) out(`${r.id}  ${r.outcome}\n`);
      out(`${result.acknowledged} acknowledged\n`);
    });
  for (const [name, description] of [
    ['resolve', 'resolve a complaint'],
    ['reopen', 'open it again, with a new deadline from now'],
  ] as const)
    complaints
      .command(name)
      .description(description)
      .argument('<id>')
      .option('--note <text>')
      .option('--json', 'JSON for scripts')
      .action(async (id, options) => {
        const c = await client().post<Complaint>(`/complaints/${encodeURIComponent(id)}/${name}`, {
          note: options.note,
        });
        if (options.json) json(out, c);
        else out(`${c.id}  ${c.status}${c.status === 'open' ? `, due ${c.ackDueAt}` : ''}\n`);
      });
  complaints
    .command('assign')
    .description("give a complaint to an agent ('nobody' to unassign)")
    .argument('<id>')
    .argument('<assignee>')
    .option(
      '--expect <assignee>',
      "only if it is still assigned to this ('nobody': unassigned), else refused",
    )
    .option('--note <text>')
    .option('--json', 'JSON for scripts')
    .action(async (id, assignee, options) => {
      const who = (value: string) => (value === 'nobody' ? null : value);
      const c = await client().post<Complaint>(`/complaints/${encodeURIComponent(id)}/assign`, {
        assignee: who(assignee),
        ...(options.expect === undefined ? {} : { expectedAssignee: who(options.expect) }),
        note: options.note,
      });
      if (options.json) json(out, c);
      else out(`${c.id}  assigned to ${c.assignee ?? 'nobody'}\n`);
    });

  complaints
    .command('correct')
    .description('correct the triage (the SLA follows it); with --expect-*, refused if it changed meanwhile')
    .argument('<id>')
    .addOption(new Option('--kind <kind>').choices(Kind.options))
    .addOption(new Option('--severity <severity>').choices(Severity.options))
    .addOption(new Option('--reproach <level>', '1 none … 4 blame').choices(['1', '2', '3', '4'] as const))
    .addOption(new Option('--expect-kind <kind>', 'only if it is still this kind').choices(Kind.options))
    .addOption(
      new Option('--expect-severity <severity>', 'only if it is still this severity').choices(
        Severity.options,
      ),
    )
    .option('--note <text>')
    .option('--json', 'JSON for scripts')
    .action(async (id, options) => {
      const expected = { kind: options.expectKind, severity: options.expectSeverity };
      const c = await client().patch<Complaint>(`/complaints/${encodeURIComponent(id)}`, {
        kind: options.kind,
        severity: options.severity,
        reproach: options.reproach === undefined ? undefined : Number(options.reproach),
        note: options.note,
        expected: expected.kind || expected.severity ? expected : undefined,
      });
      if (options.json) json(out, c);
      else out(`${c.id}  ${c.kind}, ${c.severity}${c.ackDueAt ? `, due ${c.ackDueAt}` : ', no deadline'}\n`);
    });

  program
    .command('stats')
    .description('response rate, time to acknowledge, breaches, escalations and the backlog')
    .option('--since <day>', 'first received day, YYYY-MM-DD (default: 29 days before --until)')
    .option('--until <day>', 'last received day (default: today, UTC)')
    .addOption(new Option('--platform <platform>').choices(Platform.options))
    .addOption(new Option('--severity <severity>').choices(Severity.options))
    .option('--json', 'JSON for scripts')
    .action(async (options) => {
      const query = new URLSearchParams(
        Object.entries({
          since: options.since,
          until: options.until,
          platform: options.platform,
          severity: options.severity,
        }).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      const stats = await client().get<Stats>(`/stats${query.size ? `?${query}` : ''}`);
      if (options.json) json(out, stats);
      else out(`${statsTable(stats)}\n`);
    });

  program
    .command('replay')
    .description(
      'send recorded deliveries (a .json or .jsonl file, or a directory of them) to the webhook routes, signed with the stage secrets (X_CONSUMER_SECRET, META_APP_SECRET, GENERIC_WEBHOOK_SECRET; the twin: its own)',
    )
    .argument('<file-or-dir>')
    .option('--concurrency <n>', 'deliveries in flight at once', positive, 4)
    .option('--json', 'JSON for scripts')
    .action(async (target, options) => {
      const { readRecordings, sendDeliveries, signingSecrets } = await import('./deliveries.ts');
      const deliveries = readRecordings(target);
      const bar = progressBar(!options.json);
      bar.start(deliveries.length);
      const results = await sendDeliveries(deliveries, {
        url: apiUrl(program.opts()),
        secrets: signingSecrets(),
        concurrency: options.concurrency,
        onSent: () => bar.increment(),
      }).finally(() => bar.stop());
      const accepted = results.filter((r) => r.status >= 200 && r.status < 300).length;
      if (options.json) json(out, results);
      else {
        for (const r of results)
          out(`${String(r.status).padEnd(4)} ${r.source.padEnd(8)} ${r.name}  ${r.detail}\n`);
        out(`${results.length} sent: ${accepted} accepted, ${results.length - accepted} refused\n`);
      }
      if (accepted < results.length) process.exitCode = 1;
    });
  program
    .command('demo')
    .description(
      'send a realistic mix from every platform (complaints, questions, praise, spam, brand replies, a delivery sent twice, a viral burst), then show the queue, escalations and stats',
    )
    .option('--burst <n>', 'mentions in the viral burst on X', positive, 30)
    .option('--json', 'JSON for scripts')
    .action(async (options) => {
      const [{ runDemo, demoText }, { signingSecrets }] = await Promise.all([
        import('./demo.ts'),
        import('./deliveries.ts'),
      ]);
      const report = await runDemo({
        url: apiUrl(program.opts()),
        client: client(),
        secrets: signingSecrets(),
        burst: options.burst,
        progress: progressBar(!options.json),
      });
      if (options.json) json(out, report);
      else out(demoText(report));
    });
  program
    .command('reprocess')
    .description(
      'queue what Heed now handles in the deliveries it kept unhandled (twin, or HEED_TABLE_NAME/HEED_QUEUE_URL)',
    )
    .option('--source <source...>', 'x, meta, generic (default: all)')
    .action(async (options) => {
      const { reprocess } = await import('./queue-tools.ts');
      await reprocess((options.source ?? []).flatMap((s) => ['--source', s]));
    });
  program
    .command('redrive')
    .description(
      'move messages from the DLQ back to the queue, and say how many (twin, or HEED_QUEUE_URL/HEED_DLQ_URL)',
    )
    .option('--max <n>', 'at most this many', positive)
    .action(async (options) => {
      const { redrive } = await import('./queue-tools.ts');
      await redrive(options.max === undefined ? [] : ['--max', String(options.max)]);
    });
  program
    .command('sla')
    .description('the SLA of a complaint')
    .command('explain')
    .description("a complaint's deadlines and ladder, and why")
    .argument('<id>')
    .action(async (id) => (await import('./api-tools.ts')).slaExplain(id, client()));
  program
    .command('export-labels')
    .description('corrected complaints as training CSV')
    .action(async () => (await import('./api-tools.ts')).exportLabels(client()));
  program
    .command('classify')
    .description('JSON lines {"text", …author fields} on stdin → one triage JSON line each')
    .action(async () => (await import('./classify.ts')).classifyStdin());
  program
    .command('train')
    .description('rebuild the triage model from ../shared/data/complaints-dev.csv')
    .option(
      '--with-corrections <export.csv>',
      'add agents’ corrections (heed export-labels) to the training data; reports before/after',
    )
    .action(async (options) =>
      (await import('../training/cli.ts')).train(undefined, { withCorrections: options.withCorrections }),
    );
  program
    .command('eval')
    .description('the triage model evaluation report (nested cross-validation on the dev file)')
    .option(
      '--listening',
      'only the listening samples: what pages among overheard messages (README § Listening)',
    )
    .action(async (options: { listening?: boolean }) => {
      const cli = await import('../training/cli.ts');
      await (options.listening ? cli.evaluateListeningSamples() : cli.evaluate());
    });
  return program;
}
