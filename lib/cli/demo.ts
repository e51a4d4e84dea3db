import type { Complaint } from '#core/model/complaint.ts';
import type { Stats } from '#core/stats/summary.ts';
import type { ApiClient } from './api-client.ts';
import { type RecordedDelivery, type SigningSecrets, sendDeliveries } from './deliveries.ts';
import { complaintsTable, listComplaints, statsTable, timeLeft } from './work-queue.ts';

/**
 * `heed demo`: a realistic morning for a brand, as each platform documents its deliveries —
 * complaints, questions, praise and spam from every platform, a private message on each, a delivery
 * the platform sends twice, a viral burst on X, and brand replies that answer two of the complaints.
 * Ids are fresh on every run (X's are snowflakes above 2^53, as on X), so a second run adds to the first.
 */
export interface DemoPlan {
  /** Everything customers send: sent first, the burst among them. */
  customers: RecordedDelivery[];
  /** The brand answering on the platform (sent once the customers' messages are stored). */
  brandReplies: RecordedDelivery[];
  /** The platform ids of the messages Heed should store from `customers` (a delivery sent twice: once). */
  messages: ReadonlySet<string>;
}

const BRAND_X = { id: '1234567890', handle: 'brand', name: 'Brand' };
const PAGE_ID = '1067280970047460';
const IG_ACCOUNT_ID = '17841405822304914';
const WABA_ID = '102290129340398';

const COMPLAINTS = [
  'my order arrived broken and nobody answers. Terrible service',
  'charged twice for the same order and support hung up on me. Unacceptable',
  'third week waiting for my refund, this is a joke',
  'your delivery driver left my parcel in the rain, everything is ruined',
  'the app logged me out and now my account is locked. Worst experience ever',
  'cancelled my flight with no notice and no refund. Disgusting',
];
const QUESTIONS = [
  'do you ship to Canada?',
  'what time does the downtown store open on Sunday?',
  'how do I change the address on my order?',
];
const PRAISE = [
  'thank you for the quick help yesterday, you guys are great!',
  'love the new collection, best purchase this year',
];
const SPAM = ['giveaway! click here for free followers and crypto'];
const VIRAL = [
  'your app has been down for an hour, I cannot pay for anything',
  'is the app down for everyone? cannot log in, this is ridiculous',
  'app crashed again in the middle of checkout, money taken and no order',
  'site down, app down, and no word from you. Terrible',
];

/** A realistic mix; `burst` more mentions arrive together on X (a viral moment). */
export function demoPlan(now: Date, burst = 30): DemoPlan {
  let sequence = 0;
  const snowflake = () => String(((BigInt(now.getTime()) - 1288834974657n) << 22n) + BigInt(++sequence));
  const seconds = Math.floor(now.getTime() / 1000);
  // Ids unique to this run (two demos may start within the same second).
  const run = now.getTime();
  const customers: RecordedDelivery[] = [];
  const messages = new Set<string>();
  /** One customer message: its delivery, and the id Heed stores it under (its platform's message id). */
  const add = (
    name: string,
    externalId: string,
    delivery: Pick<RecordedDelivery, 'source' | 'sender'>,
    body: unknown,
  ) => {
    const d: RecordedDelivery = {
      name,
      ...delivery,
      body: Buffer.from(JSON.stringify(body)),
      messageId: `msg_demo_${run}_${customers.length}`,
    };
    customers.push(d);
    messages.add(externalId);
    return d;
  };
  const x = { source: 'x' } as const;
  const meta = { source: 'meta' } as const;
  const person = (i: number) => ({
    id: `${run}${String(i).padStart(3, '0')}`,
    handle: `customer_${i}`,
    name: `Customer ${i}`,
  });
  const tweet = (name: string, i: number, text: string) => {
    const id = snowflake();
    add(name, id, x, xTweet(id, person(i), `@brand ${text}`));
    return id;
  };

  const complaintTweets = COMPLAINTS.slice(0, 3).map((text, i) => tweet(`X complaint ${i + 1}`, i, text));
  tweet('X question', 10, QUESTIONS[0]!);
  // X retries a delivery it thinks failed: the same bytes again, stored once.
  customers.push({ ...customers.at(-1)!, name: 'X question (delivered twice)' });
  tweet('X praise', 11, PRAISE[0]!);
  tweet('X spam', 12, SPAM[0]!);
  const dm = snowflake();
  add('X direct message', `dm:${dm}`, x, xDirectMessage(dm, person(13), COMPLAINTS[1]!));

  const post = `${PAGE_ID}_${run}`;
  const comment = (n: number) => `${PAGE_ID.slice(0, 9)}_${run}${n}`;
  add(
    'Facebook comment',
    comment(1),
    meta,
    facebookComment(comment(1), post, seconds, person(20), COMPLAINTS[5]!),
  );
  add(
    'Facebook praise',
    comment(2),
    meta,
    facebookComment(comment(2), post, seconds, person(21), PRAISE[1]!),
  );
  const mid = `m_demo_${run}_1`;
  add('Messenger message', mid, meta, messengerMessage(mid, person(22).id, seconds, COMPLAINTS[3]!));
  for (const [n, name, text] of [
    [1, 'Instagram comment', COMPLAINTS[4]!],
    [2, 'Instagram question', QUESTIONS[2]!],
  ] as const)
    add(name, `1786${run}${n}`, meta, instagramComment(`1786${run}${n}`, person(23 + n), text));
  for (const [n, name, text] of [
    [1, 'WhatsApp message', COMPLAINTS[2]!],
    [2, 'WhatsApp question', QUESTIONS[1]!],
  ] as const) {
    const wamid = `wamid.demo${run}${n}`;
    add(
      name,
      wamid,
      meta,
      whatsAppText(wamid, `1631${String(run).slice(-6)}${n}`, `WhatsApp customer ${n}`, text, seconds),
    );
  }
  const reviewId = `rev-${run}-1`;
  add(
    'Review',
    `reviews:${reviewId}`,
    { source: 'generic', sender: 'reviews' },
    review(reviewId, 'Rita', `Terrible stay: ${COMPLAINTS[0]}`),
  );

  for (let i = 0; i < burst; i++) tweet(`X viral burst ${i + 1}`, 100 + i, VIRAL[i % VIRAL.length]!);

  const reply = (name: string, source: RecordedDelivery['source'], body: unknown): RecordedDelivery => ({
    name,
    source,
    body: Buffer.from(JSON.stringify(body)),
    messageId: `msg_demo_${run}_${name.replaceAll(' ', '_')}`,
  });
  const brandReplies = [
    reply(
      'X brand reply',
      'x',
      xTweet(
        snowflake(),
        BRAND_X,
        '@customer_0 so sorry! We have sent you a DM to fix this',
        complaintTweets[0],
      ),
    ),
    reply(
      'Facebook brand reply',
      'meta',
      facebookComment(
        comment(9),
        post,
        seconds,
        { id: PAGE_ID, name: 'Brand' },
        'We are so sorry, a refund is on its way',
        comment(1),
      ),
    ),
  ];
  return { customers, brandReplies, messages };
}

interface Person {
  id: string;
  handle?: string;
  name: string;
}

// X Account Activity API: tweet_create_events.
function xTweet(id: string, user: Person, text: string, inReplyTo: string | null = null) {
  return {
    for_user_id: BRAND_X.id,
    tweet_create_events: [
      {
        created_at: new Date().toUTCString(),
        id_str: id,
        text,
        in_reply_to_status_id_str: inReplyTo,
        user: {
          id_str: user.id,
          name: user.name,
          screen_name: user.handle,
          followers_count: 250,
          verified: false,
        },
        timestamp_ms: String(Date.now()),
      },
    ],
  };
}

// X Account Activity API: direct_message_events with the users map.
function xDirectMessage(id: string, user: Person, text: string) {
  return {
    for_user_id: BRAND_X.id,
    direct_message_events: [
      {
        type: 'message_create',
        id,
        created_timestamp: String(Date.now()),
        message_create: {
          target: { recipient_id: BRAND_X.id },
          sender_id: user.id,
          message_data: { text, entities: {} },
        },
      },
    ],
    users: {
      [user.id]: {
        id: user.id,
        name: user.name,
        screen_name: user.handle,
        followers_count: 40,
        verified: false,
      },
      [BRAND_X.id]: { id: BRAND_X.id, name: BRAND_X.name, screen_name: BRAND_X.handle },
    },
  };
}

// Meta Webhooks, Page feed: a comment (a reply to `parentId` when given).
function facebookComment(
  commentId: string,
  postId: string,
  seconds: number,
  from: Person,
  message: string,
  parentId?: string,
) {
  return {
    object: 'page',
    entry: [
      {
        id: PAGE_ID,
        time: seconds,
        changes: [
          {
            field: 'feed',
            value: {
              from: { id: from.id, name: from.name },
              item: 'comment',
              verb: 'add',
              post_id: postId,
              comment_id: commentId,
              parent_id: parentId ?? postId,
              message,
              created_time: seconds,
            },
          },
        ],
      },
    ],
  };
}

// Meta Webhooks, Messenger: messaging[].message.
function messengerMessage(mid: string, psid: string, seconds: number, text: string) {
  return {
    object: 'page',
    entry: [
      {
        id: PAGE_ID,
        time: seconds * 1000,
        messaging: [
          {
            sender: { id: psid },
            recipient: { id: PAGE_ID },
            timestamp: seconds * 1000,
            message: { mid, text },
          },
        ],
      },
    ],
  };
}

// Meta Webhooks, Instagram: comments.
function instagramComment(id: string, from: Person, text: string) {
  return {
    object: 'instagram',
    entry: [
      {
        id: IG_ACCOUNT_ID,
        time: Math.floor(Date.now() / 1000),
        changes: [
          {
            field: 'comments',
            value: {
              from: { id: from.id, username: from.handle },
              media: { id: '123123123', media_product_type: 'FEED' },
              id,
              text,
            },
          },
        ],
      },
    ],
  };
}

// WhatsApp Cloud API: the messages field.
function whatsAppText(id: string, from: string, name: string, text: string, seconds: number) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '16505551111', phone_number_id: '123456123' },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [{ from, id, timestamp: String(seconds), type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  };
}

// Heed's generic interaction (README § Generic webhooks), e.g. from a review site's connector.
function review(id: string, name: string, text: string) {
  return {
    id,
    author: { id: `reviewer-${name.toLowerCase()}`, name },
    text,
    url: `https://reviews.example/${id}`,
  };
}

export interface DemoReport {
  sent: number;
  accepted: number;
  refused: { name: string; status: number; detail: string }[];
  stored: number;
  byKind: Record<string, number>;
  byPlatform: Record<string, number>;
  acknowledgedByBrandReply: number;
  queue: Complaint[];
  escalations: { breached: Complaint[]; sentByLevel: Record<string, number>; nextDeadline: string | null };
  stats: Stats;
}

/**
 * Sends the plan to a stage (customers first, the burst at full speed, then the brand's replies once
 * the complaints they answer are stored), with a progress bar, and reads back what a team would see.
 */
export async function runDemo(options: {
  url: string;
  client: ApiClient;
  secrets: SigningSecrets;
  burst?: number;
  progress?: { start(total: number): void; increment(): void; stop(): void };
  waitMs?: number;
}): Promise<DemoReport> {
  // A margin for a stage's clock a little behind this machine's; the demo's own messages are picked by id.
  const started = new Date(Date.now() - 60_000);
  const plan = demoPlan(new Date(), options.burst);
  const { client, progress } = options;
  const waitMs = options.waitMs ?? 120_000;
  progress?.start(plan.customers.length + plan.brandReplies.length);
  const send = (deliveries: RecordedDelivery[]) =>
    sendDeliveries(deliveries, {
      url: options.url,
      secrets: options.secrets,
      concurrency: 8,
      onSent: () => progress?.increment(),
    });
  const since = started.toISOString();
  const ours = async () =>
    (await listComplaints(client, { since, limit: 100, all: true })).filter((c) =>
      plan.messages.has(c.externalId),
    );
  try {
    const results = await send(plan.customers);
    await waitFor(async () => (await ours()).length >= plan.messages.size, waitMs);
    results.push(...(await send(plan.brandReplies)));
    await waitFor(
      async () => (await ours()).filter((c) => c.acknowledgedBy?.via === 'brand-reply').length >= 2,
      waitMs,
    );
    const stored = await ours();
    const now = Date.now();
    const open = stored.filter((c) => c.status === 'open' && c.ackDueAt);
    const stats = await client.get<Stats>(`/stats?since=${since.slice(0, 10)}`);
    return {
      sent: results.length,
      accepted: results.filter((r) => r.status >= 200 && r.status < 300).length,
      refused: results.filter((r) => r.status < 200 || r.status >= 300),
      stored: stored.length,
      byKind: countBy(stored, (c) => c.kind),
      byPlatform: countBy(stored, (c) => c.platform),
      acknowledgedByBrandReply: stored.filter((c) => c.acknowledgedBy?.via === 'brand-reply').length,
      queue: open.sort((a, b) => Date.parse(a.ackDueAt!) - Date.parse(b.ackDueAt!)),
      escalations: {
        breached: open.filter((c) => c.breached || Date.parse(c.ackDueAt!) <= now),
        sentByLevel: stats.overall.escalations,
        nextDeadline: open.map((c) => c.ackDueAt!).sort()[0] ?? null,
      },
      stats,
    };
  } finally {
    progress?.stop();
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

async function waitFor(done: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(
        `the stage did not process the demo within ${timeoutMs / 1000} s: is its processor running?`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The report for people: what was sent, the work queue, the escalations, the numbers. */
export function demoText(report: DemoReport, now = Date.now()): string {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([name, n]) => `${n} ${name}`)
      .join(', ');
  const lines = [
    `Sent ${report.sent} signed deliveries: ${report.accepted} accepted${report.refused.length ? `, ${report.refused.length} refused` : ''}.`,
    ...report.refused.map((r) => `  ${r.name}: ${r.status} ${r.detail}`),
    `Heed stored ${report.stored} messages: ${list(report.byKind)};`,
    `  from ${list(report.byPlatform)}; ${report.acknowledgedByBrandReply} answered by a brand reply on the platform.`,
    '',
    `The work queue (${report.queue.length} open, soonest deadline first):`,
    complaintsTable(report.queue.slice(0, 15), now),
    ...(report.queue.length > 15
      ? [`… and ${report.queue.length - 15} more: heed complaints list --all`]
      : []),
    '',
    'Escalations:',
  ];
  const sent = Object.entries(report.escalations.sentByLevel);
  if (report.escalations.breached.length || sent.length) {
    lines.push(`  ${report.escalations.breached.length} past their deadline`);
    for (const [level, n] of sent) lines.push(`  ${n} escalation(s) sent at ${level}`);
  } else {
    const next = report.escalations.nextDeadline;
    lines.push(
      `  none yet: the first deadline is ${next ? `${next} (${timeLeft(next, now)})` : 'not set'}.`,
      '  Watch them come: heed complaints list --sla-state breached (SLA_TIME_SCALE=60 npm start runs the clock 60× faster).',
    );
  }
  lines.push('', statsTable(report.stats));
  return `${lines.join('\n')}\n`;
}
