import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { DEFAULT_SCOPE_PREFIX } from '#api/routes.ts';
import { FeedSpec } from '#core/listening/feeds.ts';
import { MAX_QUERY_LENGTH, searchQuery, XSearchSpec } from '#core/listening/x-search.ts';
import { DEFAULT_SLA_POLICY, SlaPolicy } from '#core/sla/policy.ts';

const Audience = z.object({
  emails: z.array(z.email()).default([]),
  /** E.164, e.g. +14155550100: SNS SMS only accepts this form. */
  phones: z
    .array(z.string().regex(/^\+[1-9]\d{6,14}$/, 'phone numbers must be E.164, e.g. +14155550100'))
    .default([]),
});

const Throttle = z.object({
  rate: z.number().positive().max(10_000),
  burst: z.number().int().min(1).max(5_000),
});
const WEBHOOK_THROTTLE = { rate: 200, burst: 400 };
const API_THROTTLE = { rate: 50, burst: 100 };
const DEFAULT_CONCURRENCY = { ingest: 50, slaStep: 5, processor: 10 };

/** Where the listeners and the Google parts call (the platforms'; the local twin points them at itself). */
const LISTENING_ENDPOINTS = {
  xApi: 'https://api.x.com',
  googleCerts: 'https://www.googleapis.com/oauth2/v3/certs',
  googleToken: 'https://oauth2.googleapis.com/token',
  googleBusinessApi: 'https://mybusiness.googleapis.com',
};

/** Listening: what Heed polls for complaints nobody addressed to the brand (README § Listening). */
export const ListeningConfig = z.object({
  /** RSS/Atom feeds (Google Alerts delivered to a feed, blogs, forums, news, review sites). */
  feeds: z
    .array(FeedSpec)
    .default([])
    .refine((feeds) => new Set(feeds.map((f) => f.id)).size === feeds.length, 'feed ids must be unique'),
  /** How often every feed is polled (EventBridge Scheduler). Google Alerts updates a feed at most a few times an hour. */
  feedIntervalMinutes: z.number().int().min(1).max(1440).default(15),
  /** Keyword listening on X (recent search); omitted: off. Needs xBearerToken in the credentials secret. */
  x: XSearchSpec.refine(
    (spec) => searchQuery(spec).length <= MAX_QUERY_LENGTH,
    `the X search query (keywords and handles) must fit in ${MAX_QUERY_LENGTH} characters`,
  ).optional(),
  /** Fetch Google Business Profile reviews named by the Pub/Sub notifications (needs the google OAuth credentials). */
  googleReviews: z.boolean().default(false),
  /** Name of an existing Secrets Manager secret with the listening credentials; omitted: the stack creates one. */
  credentialsSecretName: z.string().min(1).optional(),
  endpoints: z
    .object({
      xApi: z.url().default(LISTENING_ENDPOINTS.xApi),
      googleCerts: z.url().default(LISTENING_ENDPOINTS.googleCerts),
      googleToken: z.url().default(LISTENING_ENDPOINTS.googleToken),
      googleBusinessApi: z.url().default(LISTENING_ENDPOINTS.googleBusinessApi),
    })
    .default(LISTENING_ENDPOINTS),
});
export type ListeningConfig = z.infer<typeof ListeningConfig>;

export const StageConfig = z
  .object({
    stage: z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'stage is a short lower-case name such as dev or prod'),
    /** Who gets paged, by audience name (the escalation levels refer to these names). */
    audiences: z.record(z.string(), Audience).default({
      team: { emails: [], phones: [] },
      oncall: { emails: [], phones: [] },
      manager: { emails: [], phones: [] },
    }),
    /** The team name carried in every escalation's `team` message attribute (for subscription filters). */
    team: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/)
      .default('support'),
    /** Where CloudWatch alarms (DLQ depth, Lambda errors, failed executions) are sent. */
    opsEmails: z.array(z.email()).default([]),
    sla: SlaPolicy.default(DEFAULT_SLA_POLICY),
    /** Name of an existing Secrets Manager secret with the webhook secrets; omitted: the stack creates one. */
    webhookSecretName: z.string().min(1).optional(),
    /** An external OIDC issuer for the API's JWT authorizer; omitted: the stack creates a Cognito user pool. */
    auth: z
      .object({
        issuer: z.url(),
        audience: z.array(z.string().min(1)).min(1),
        /** Each route requires the scope `<scopePrefix><read|act>` (heed/read, heed/act): your issuer grants them. */
        scopePrefix: z.string().min(1).default(DEFAULT_SCOPE_PREFIX),
      })
      .optional(),
    /** Where the stack's Cognito sign-in may return to (the console's URLs); unused with your own issuer. */
    signInCallbackUrls: z.array(z.url()).min(1).default(['http://localhost:3000/']),
    /**
     * Web origins allowed to call the API from a browser (CORS). None by default: the console is
     * served from the API's own origin; a wildcard is refused.
     */
    corsOrigins: z
      .array(z.url().refine((u) => !u.includes('*'), 'CORS origins are exact origins, not wildcards'))
      .default([]),
    /** How long raw deliveries are kept for re-processing (`heed reprocess`), in days. */
    rawRetentionDays: z.number().int().min(1).max(365).default(30),
    logRetentionDays: z
      .union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(180), z.literal(365)])
      .default(30),
    triage: z
      .object({
        /** A follow-up from the same author in the same conversation within this many minutes joins the open complaint. */
        threadWindowMinutes: z
          .number()
          .int()
          .min(1)
          .max(60 * 24 * 30)
          .default(1440),
        /** Authors whose complaints are always treated as far-reaching: `<platform>:<id>` or `@handle`. */
        vipAuthors: z
          .array(
            z
              .string()
              .regex(/^(@[a-z0-9_.]+|[a-z]+:.+)$/, 'VIP authors are @handle (lower-case) or <platform>:<id>'),
          )
          .default([]),
        /**
         * A message is a complaint, and starts a clock, from this calibrated probability on. Default:
         * the shipped model's recall-first operating point (README § Triage); lower pages more.
         */
        complaintThreshold: z.number().gt(0).lt(1).optional(),
      })
      .default({ threadWindowMinutes: 1440, vipAuthors: [] }),
    listening: ListeningConfig.default({
      feeds: [],
      feedIntervalMinutes: 15,
      googleReviews: false,
      endpoints: LISTENING_ENDPOINTS,
    }),
    /** Accept Meta's legacy X-Hub-Signature (SHA-1) when X-Hub-Signature-256 is absent. Off by default. */
    acceptLegacyMetaSha1: z.boolean().default(false),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(6 * 1024 * 1024)
      .default(1024 * 1024),
    /**
     * API Gateway stage throttling (requests per second, burst), so a flood on the public webhook routes
     * is answered 429 at the edge instead of consuming the account's Lambda concurrency.
     */
    throttle: z
      .object({ webhooks: Throttle.default(WEBHOOK_THROTTLE), api: Throttle.default(API_THROTTLE) })
      .default({ webhooks: WEBHOOK_THROTTLE, api: API_THROTTLE }),
    /**
     * Reserved concurrency. `ingest` caps the public intake; `slaStep` is kept for the escalation ladder
     * whatever else runs. Accounts still at the 10-execution default quota cannot reserve any: set null.
     */
    concurrency: z
      .object({
        ingest: z.number().int().min(1).max(1000).nullable().default(DEFAULT_CONCURRENCY.ingest),
        slaStep: z.number().int().min(1).max(1000).nullable().default(DEFAULT_CONCURRENCY.slaStep),
        /**
         * At most this many processor batches at once (the queue's event source maximum concurrency):
         * a viral storm drains at a pace DynamoDB and StartExecution absorb, instead of throttling.
         */
        processor: z.number().int().min(2).max(1000).default(DEFAULT_CONCURRENCY.processor),
      })
      .default(DEFAULT_CONCURRENCY),
  })
  .superRefine((config, ctx) => {
    for (const level of config.sla.levels) {
      if (!config.audiences[level.audience]) {
        ctx.addIssue({
          code: 'custom',
          path: ['sla', 'levels'],
          message: `level ${level.level} names audience '${level.audience}', which is not configured under audiences`,
        });
      }
    }
  });
export type StageConfig = z.infer<typeof StageConfig>;

export class ConfigError extends Error {}

/** A partial `sla` is laid over the defaults (targets per platform), so teams set only what differs. */
export function withSlaDefaults(raw: Record<string, unknown>): Record<string, unknown> {
  const sla = raw['sla'];
  if (!sla || typeof sla !== 'object') return raw;
  const given = sla as Record<string, unknown>;
  const targets = { ...DEFAULT_SLA_POLICY.targets } as Record<string, unknown>;
  for (const [platform, row] of Object.entries(
    (given['targets'] as Record<string, unknown> | undefined) ?? {},
  )) {
    targets[platform] = { ...(targets[platform] as object), ...(row as object) };
  }
  return { ...raw, sla: { ...DEFAULT_SLA_POLICY, ...given, targets } };
}

/** Validates raw configuration with messages that name the offending key. */
export function parseStageConfig(raw: unknown): StageConfig {
  const result = StageConfig.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - heed.${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid Heed configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/**
 * Configuration comes from cdk.json context `heed`, optionally overlaid by a stage file given with
 * `-c heedConfigFile=stages/prod.json` (a JSON object of the same shape).
 */
export function loadStageConfig(context: { tryGetContext(key: string): unknown }): StageConfig {
  const fromContext = (context.tryGetContext('heed') as Record<string, unknown> | undefined) ?? {};
  const file = context.tryGetContext('heedConfigFile');
  let fromFile: Record<string, unknown> = {};
  if (typeof file === 'string' && file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`Cannot read heedConfigFile ${file}: ${(error as Error).message}`);
    }
  }
  return parseStageConfig(withSlaDefaults({ stage: 'dev', ...fromContext, ...fromFile }));
}
