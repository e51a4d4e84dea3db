import * as z from 'zod';
import { Correction, Kind, Severity, Status } from '#core/model/complaint.ts';
import { NotFound } from '#core/model/errors.ts';
import { Platform } from '#core/model/interaction.ts';
import { type Clock, type ComplaintRepository, SLA_STATES, type SlaTimers } from '#core/ports.ts';
import type { SlaPolicy } from '#core/sla/policy.ts';
import { isComplaintId } from '#core/use-cases/complaint-id.ts';
import {
  acknowledge,
  acknowledgeMany,
  assign,
  correct,
  exportComplaints,
  getComplaint,
  listComplaints,
  MAX_BULK_IDS,
  MAX_EXPORT_ROWS,
  reopen,
  resolve,
  stats,
} from '#core/use-cases/manage-complaints.ts';
import {
  BulkAckResult,
  ComplaintOut,
  ComplaintPage,
  ComplaintWithTimeline,
  CsvOut,
  OpenApiOut,
  StatsOut,
} from './responses.ts';
import type { Scope } from './scopes.ts';

/**
 * The complaints API, one entry per route: who may call it, what it accepts, which use-case it runs.
 * The api handler dispatches on it, the CDK construct adds its routes and authorizer scopes from it,
 * the twin serves the template those routes end up in, and the API description is generated from it.
 * A new route is one entry here (and its use-case).
 */
export interface ApiDeps {
  store: ComplaintRepository;
  timers: SlaTimers;
  clock: Clock;
  policy: SlaPolicy;
  onWarning: (message: string, error: unknown) => void;
}

// The scopes live in their own module so the token trigger does not bundle the route table.
export { DEFAULT_SCOPE_PREFIX, SCOPE_GROUPS, SCOPES, type Scope, withheldScopes } from './scopes.ts';

export interface RouteInput<Q, B> {
  /** The complaint id of `{id}` routes, validated. */
  id: string;
  query: Q;
  body: B;
  /** Who is calling (the JWT's email or subject). */
  caller: string;
}

export interface ApiRoute<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  scope: Scope;
  summary: string;
  query?: Q;
  body?: B;
  /** What it answers with 200 (responses.ts): the OpenAPI document and the route tests use it. */
  response: z.ZodType;
  /** Answered as CSV (its result is a list of complaints), not JSON. */
  produces?: 'text/csv';
  run(input: RouteInput<z.infer<Q>, z.infer<B>>, deps: ApiDeps): Promise<unknown>;
}

/** Keeps each route's `run` typed by its own schemas. */
const route = <Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
  r: ApiRoute<Q, B>,
): ApiRoute => r as unknown as ApiRoute;

/** A moment to filter on: an ISO 8601 timestamp, or a date (its whole day for until). */
const Instant = z
  .string()
  .max(40)
  .refine(
    (value) => /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)),
    'an ISO 8601 date or time',
  );

export const ListQuery = z
  .object({
    status: Status.optional(),
    platform: Platform.optional(),
    /** `<platform>:<author id>`, e.g. x:6253282 */
    author: z
      .string()
      .max(300)
      .transform((value, ctx) => {
        const [platform = '', ...rest] = value.split(':');
        const parsed = Platform.safeParse(platform);
        if (!parsed.success || rest.length === 0) {
          ctx.addIssue({ code: 'custom', message: 'author is <platform>:<author id>, e.g. x:6253282' });
          return z.NEVER;
        }
        return { platform: parsed.data, id: rest.join(':') };
      })
      .optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional(),
    corrected: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    kind: Kind.optional(),
    severity: Severity.optional(),
    /** on_track, warning, breached (open ones), or acknowledged. */
    slaState: z.enum(SLA_STATES).optional(),
    assignee: z.string().trim().min(1).max(200).optional(),
    /** Received at or after / at or before: ISO 8601 (a date means that whole day). */
    since: Instant.optional(),
    until: Instant.optional(),
    /** Text contains (case-insensitive), within a time range (since or until). */
    q: z.string().trim().min(2).max(100).optional(),
    /** deadline: soonest first (the default with a status); received: newest first. */
    sort: z.enum(['deadline', 'received']).optional(),
  })
  .refine((query) => !query.q || query.since || query.until, {
    message: 'q searches within a time range: give since (and until)',
    path: ['q'],
  });
/** The list's filters, without paging: an export is the whole filtered list. */
export const ExportQuery = ListQuery.transform(({ limit: _limit, cursor: _cursor, ...filter }) => filter);
export const ActionBody = z.object({ note: z.string().max(2000).optional() }).strict();
/** Who works a complaint: an agent's e-mail or name; null: nobody. */
const Assignee = z.string().trim().min(1).max(200).nullable();
export const AssignBody = z
  .object({
    assignee: Assignee,
    /** Assign only if it is still assigned to this (null: nobody), else 409. */
    expectedAssignee: Assignee.optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();
export const BulkAckBody = z
  .object({
    ids: z.array(z.string().max(64)).min(1).max(MAX_BULK_IDS),
    note: z.string().max(2000).optional(),
  })
  .strict();

/** A UTC day; a full timestamp is accepted and cut to its day. */
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T.*)?$/, 'a date, YYYY-MM-DD (UTC)')
  .transform((value) => value.slice(0, 10))
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)), 'not a calendar date');
export const StatsQuery = z.object({
  /** First received day (default: 29 days before `until`). */
  since: Day.optional(),
  /** Last received day (default: today, UTC). */
  until: Day.optional(),
  platform: Platform.optional(),
  severity: Severity.optional(),
});

export const API_ROUTES = {
  'GET /complaints': route({
    scope: 'read',
    response: ComplaintPage,
    summary: 'List complaints, filtered, newest first (by status: by acknowledgement deadline)',
    query: ListQuery,
    run: ({ query }, deps) => listComplaints(query, deps),
  }),
  'GET /complaints/export.csv': route({
    scope: 'read',
    response: CsvOut,
    summary: `The filtered list as CSV (the list's filters; at most ${MAX_EXPORT_ROWS.toLocaleString('en')} rows, newest first)`,
    query: ExportQuery,
    produces: 'text/csv',
    run: ({ query }, deps) => exportComplaints(query, deps),
  }),
  'GET /complaints/{id}': route({
    scope: 'read',
    response: ComplaintWithTimeline,
    summary: 'One complaint with its timeline',
    run: ({ id }, deps) => getComplaint(id, deps),
  }),
  'PATCH /complaints/{id}': route({
    scope: 'act',
    response: ComplaintOut,
    summary: 'Correct the triage (kind, severity, reproach); the SLA follows',
    body: Correction,
    run: ({ id, caller, body }, deps) => correct(id, caller, body, deps),
  }),
  'POST /complaints/{id}/ack': route({
    scope: 'act',
    response: ComplaintOut,
    summary: 'Acknowledge: stops the SLA timer (idempotent)',
    body: ActionBody,
    run: ({ id, caller, body }, deps) => acknowledge(id, caller, body.note, deps),
  }),
  'POST /complaints/{id}/reopen': route({
    scope: 'act',
    response: ComplaintOut,
    summary: 'Reopen an acknowledged or resolved complaint: a new deadline from now (409 when open)',
    body: ActionBody,
    run: ({ id, caller, body }, deps) => reopen(id, caller, body.note, deps),
  }),
  'POST /complaints/{id}/assign': route({
    scope: 'act',
    response: ComplaintOut,
    summary:
      'Assign to an agent (null: nobody); with expectedAssignee, 409 if someone else assigned it meanwhile',
    body: AssignBody,
    run: ({ id, caller, body }, deps) => assign(id, caller, body, deps),
  }),
  'POST /complaints/ack': route({
    scope: 'act',
    response: BulkAckResult,
    summary: 'Acknowledge up to 100 complaints at once (a viral moment): the outcome per id',
    body: BulkAckBody,
    run: ({ caller, body }, deps) => acknowledgeMany(body.ids, caller, body.note, deps),
  }),
  'POST /complaints/{id}/resolve': route({
    scope: 'act',
    response: ComplaintOut,
    summary: 'Resolve',
    body: ActionBody,
    run: ({ id, caller, body }, deps) => resolve(id, caller, body.note, deps),
  }),
  'GET /stats': route({
    scope: 'read',
    response: StatsOut,
    summary:
      'Response rate, time to acknowledge (p50/p90, calendar and business), breaches, escalations by level and the open backlog: overall, per platform and per day',
    query: StatsQuery,
    run: ({ query }, deps) => stats(query, deps),
  }),
  'GET /openapi.json': route({
    scope: 'read',
    response: OpenApiOut,
    summary: 'This API described in OpenAPI 3.1, generated from the route table',
    // Loaded on demand: the generator is not on the path of any other request.
    run: async () => (await import('./openapi.ts')).openApiDocument(),
  }),
} satisfies Record<`${'GET' | 'POST' | 'PATCH' | 'DELETE'} /${string}`, ApiRoute>;

export type RouteKey = keyof typeof API_ROUTES;

export function isRouteKey(key: string): key is RouteKey {
  return Object.hasOwn(API_ROUTES, key);
}

/** Splits a route key into what API Gateway wants. */
export function methodAndPath(key: RouteKey): { method: string; path: string } {
  const [method, path] = key.split(' ') as [string, string];
  return { method, path };
}

/** The `{id}` of a route, checked before any read (an id that cannot exist is simply not found). */
export function complaintIdParameter(key: RouteKey, id: string | undefined): string {
  if (!key.includes('{id}')) return '';
  if (!id || !isComplaintId(id)) throw new NotFound(`complaint ${id ?? ''} not found`);
  return id;
}
