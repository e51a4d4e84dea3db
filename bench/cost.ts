// The cost model (`npm run bench`, docs/PERFORMANCE.md): what 1 million deliveries and 1,000
// complaints cost in AWS at list prices (bench/prices.json), from what a run on the twin counted:
// every AWS call each function made (the gateway's count), each function's invocations and billed
// duration at its memory setting, and the state transitions of the SLA timers.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTwin, type Twin } from '../lib/local/twin.ts';
import { xTweet } from '../test/fixtures/deliveries.ts';

const prices = JSON.parse(readFileSync(fileURLToPath(new URL('./prices.json', import.meta.url)), 'utf8')) as Record<string, number>;

/** What the twin counted over one scenario. */
interface Counts {
  calls: Map<string, number>;
  usage: ReturnType<Twin['functionUsage']>;
}

const snapshot = (twin: Twin): Counts => ({ calls: new Map(twin.awsCalls), usage: twin.functionUsage() });
function delta(before: Counts, after: Counts): Counts {
  const calls = new Map<string, number>();
  for (const [k, n] of after.calls) calls.set(k, n - (before.calls.get(k) ?? 0));
  const usage = Object.fromEntries(
    Object.entries(after.usage).map(([name, u]) => {
      const b = before.usage[name]!;
      return [name, { ...u, invocations: u.invocations - b.invocations, durationMs: u.durationMs - b.durationMs, coldStarts: u.coldStarts - b.coldStarts }];
    }),
  );
  return { calls, usage };
}
const sum = (calls: Map<string, number>, match: RegExp) =>
  [...calls].reduce((total, [key, n]) => (match.test(key) ? total + n : total), 0);

/** Dollars for one scenario's counts, by line item. Assumptions are in the line names. */
function dollars(c: Counts, extra: { apiRequests: number; transitions: number; emails: number; sms: number }) {
  const lambda = Object.values(c.usage).reduce(
    (total, u) =>
      total + (u.invocations * prices['lambdaPerMillionRequests']!) / 1e6 + (u.durationMs / 1000) * (u.memoryMB / 1024) * prices['lambdaArmPerGbSecond']!,
    0,
  );
  // Items are a few kB: a write is counted as 2 write units (a transactional one as 2 per item), a consistent read as 1.
  const writes = sum(c.calls, / dynamodb:(PutItem|UpdateItem|DeleteItem)$/) * 2 + sum(c.calls, / dynamodb:TransactWriteItems$/) * 2 * 3;
  const reads = sum(c.calls, / dynamodb:(GetItem|Query)$/);
  return {
    'API Gateway HTTP API': (extra.apiRequests * prices['apiGatewayHttpPerMillionRequests']!) / 1e6,
    'Lambda (arm64, requests + GB-s at each memory setting)': lambda,
    'SQS (sends, and the poller’s receives and deletes)': (sum(c.calls, / sqs:/) * prices['sqsPerMillionRequests']!) / 1e6,
    'DynamoDB on demand (≈2 WRU a write, 1 RRU a read)': (writes * prices['dynamoPerMillionWriteRequestUnits']! + reads * prices['dynamoPerMillionReadRequestUnits']!) / 1e6,
    'Step Functions Standard transitions': (extra.transitions * prices['stepFunctionsStandardPerThousandTransitions']!) / 1000,
    'SNS publishes': (sum(c.calls, / sns:Publish$/) * prices['snsPerMillionPublishes']!) / 1e6,
    'SNS email deliveries (one recipient per audience)': (extra.emails * prices['snsEmailPer100kNotifications']!) / 1e5,
    'SNS SMS, US (priced per country)': extra.sms * prices['snsSmsUsPerMessage']!,
  };
}

export interface CostModel {
  perMillionDeliveries: Record<string, number>;
  perThousandComplaintsIgnored: Record<string, number>;
  perThousandComplaintsAnswered: Record<string, number>;
  timers: { complaintsPerDay: number; stepFunctionsPerMonth: number; schedulerPerMonth: number }[];
  measured: { deliveries: number; slaStepsPerIgnoredComplaint: number; transitionsPerIgnoredComplaint: number };
}

/**
 * Runs the scenarios on a twin and prices them. `n` complaints per scenario. The SLA clock runs 60×
 * (a 10-minute target in 10 s): fast enough for a bench, slow enough that each step of the ladder
 * gets its own tick, as it does in AWS.
 */
export async function costModel(n = 60): Promise<CostModel> {
  const twin = await startTwin({
    port: 0,
    dataDir: mkdtempSync(path.join(tmpdir(), 'heed-cost-')),
    apiToken: 'cost-token',
    timeScale: 60,
    log: () => {},
    context: {
      heed: {
        stage: 'bench',
        sla: {
          targets: { x: { critical: 10, high: 10, medium: 10, low: 10 } },
          levels: [
            { level: 1, afterBreachMinutes: 0, audience: 'team', channels: ['email'] },
            { level: 2, afterBreachMinutes: 10, audience: 'oncall', channels: ['sms', 'email'] },
          ],
          // Every complaint pages on its own (no storm digest) in this model.
          storm: { threshold: 1_000_000, windowMinutes: 15, digestMinutes: 15 },
        },
      },
    },
  });
  let next = 0;
  const post = async () => {
    const id = String(1950000000000000000n + BigInt(next++));
    const body = JSON.stringify(xTweet({ id, text: `@brand my refund never arrived and nobody answers (#${id})` }));
    const signature = `sha256=${createHmac('sha256', twin.secrets.xConsumerSecret).update(body).digest('base64')}`;
    const response = await fetch(`${twin.url}/webhooks/x`, { method: 'POST', headers: { 'x-twitter-webhooks-signature': signature }, body });
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    return id;
  };
  const api = (p: string, init: RequestInit = {}) => fetch(`${twin.url}${p}`, { ...init, headers: { authorization: 'Bearer cost-token' } });
  const stored = async () => ((await (await api('/complaints?limit=100')).json()) as { items: { id: string; externalId: string }[] }).items;
  const settle = async (until: () => Promise<boolean>) => {
    for (let i = 0; i < 600 && !(await until()); i++) await new Promise((r) => setTimeout(r, 500));
  };
  try {
    // Ignored: every complaint runs its whole ladder (warning, L1 to the team, L2 to on-call).
    const before = snapshot(twin);
    const ignored = [];
    for (let i = 0; i < n; i++) ignored.push(await post());
    // Every timer started, and every ladder run out.
    await settle(async () => twin.stepFunctions.executionsByComplaint().size >= n && twin.stepFunctions.runningCount() === 0);
    const ignoredCounts = delta(before, snapshot(twin));
    const publishes = sum(ignoredCounts.calls, / sns:Publish$/);
    const slaSteps = ignoredCounts.usage['sla-step']!.invocations;
    // Each tick: the task, the choice, the wait; plus the start and the end.
    const transitions = slaSteps * 3 + n * 2;
    // Answered in time: acknowledged as soon as stored (the timer stops).
    const middle = snapshot(twin);
    for (let i = 0; i < n; i++) await post();
    await settle(async () => twin.stepFunctions.executionsByComplaint().size >= 2 * n);
    for (const c of (await stored()).slice(0, n)) await api(`/complaints/${c.id}/ack`, { method: 'POST' });
    await settle(async () => twin.stepFunctions.runningCount() === 0);
    const answeredCounts = delta(middle, snapshot(twin));
    const answeredSteps = answeredCounts.usage['sla-step']!.invocations;
    const scale = (r: Record<string, number>, k: number) => Object.fromEntries(Object.entries(r).map(([name, v]) => [name, v * k]));
    // Intake alone (per delivery): the ingest and processor functions, SQS, the API requests, their DynamoDB calls.
    const intakeOnly: Counts = {
      calls: new Map([...ignoredCounts.calls].filter(([k]) => /^(WebhookIntake|InteractionProcessor)/.test(k))),
      usage: Object.fromEntries(Object.entries(ignoredCounts.usage).filter(([name]) => name === 'ingest' || name === 'processor')),
    };
    const steps = slaSteps / n;
    const transitionsPerComplaint = transitions / n;
    return {
      perMillionDeliveries: scale(dollars(intakeOnly, { apiRequests: n, transitions: 0, emails: 0, sms: 0 }), 1e6 / n),
      perThousandComplaintsIgnored: scale(
        dollars(ignoredCounts, { apiRequests: n, transitions, emails: publishes, sms: n }),
        1000 / n,
      ),
      perThousandComplaintsAnswered: scale(
        dollars(answeredCounts, { apiRequests: 2 * n, transitions: answeredSteps * 3 + n * 2, emails: 0, sms: 0 }),
        1000 / n,
      ),
      timers: [10, 10_000].map((perDay) => {
        const month = perDay * 30;
        const sfn = Math.max(0, month * transitionsPerComplaint - prices['stepFunctionsFreeTransitionsPerMonth']!);
        // One one-time schedule per deadline step (warning, L1, L2): each fires once.
        const scheduler = Math.max(0, month * 3 - prices['eventBridgeSchedulerFreeInvocationsPerMonth']!);
        return {
          complaintsPerDay: perDay,
          stepFunctionsPerMonth: (sfn * prices['stepFunctionsStandardPerThousandTransitions']!) / 1000,
          schedulerPerMonth: (scheduler * prices['eventBridgeSchedulerPerMillionInvocations']!) / 1e6,
        };
      }),
      measured: { deliveries: n, slaStepsPerIgnoredComplaint: steps, transitionsPerIgnoredComplaint: transitionsPerComplaint },
    };
  } finally {
    await twin.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await costModel(20), null, 2));
