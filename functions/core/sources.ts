import type { SecretKind } from './platforms/secret-policy.ts';

/**
 * The source registry: every place that needs to know which sources exist (the platform enum, the
 * parser lookup, the secret document and its checks, the SLA target defaults, the webhook routes
 * in the CDK construct, the twin's secrets and start banner) derives it from here. Adding a source
 * is its parser module, one entry here, one line in platforms/index.ts, and its tests
 * (CONTRIBUTING.md). Data only: nothing here imports a parser, so the model can import it.
 */
export interface TargetMinutes {
  critical: number;
  high: number;
  medium: number;
  low: number;
}

export interface PlatformSpec {
  /** As people read it in a notification ("… on Instagram"). */
  displayName: string;
  /** Default acknowledgement targets in minutes, by severity (a stage overrides them in heed.sla). */
  targets: TargetMinutes;
}

export interface SecretSpec {
  kind: SecretKind;
  /** The variable that sets it on the local twin (otherwise the twin makes a random one). */
  env: string;
}

export interface SourceDescriptor {
  displayName: string;
  /** Its public webhook route; `{sender}` lets one source serve many senders. */
  path: `/webhooks/${string}`;
  methods: readonly ('GET' | 'POST')[];
  /** The platforms its deliveries yield. */
  platforms: Readonly<Record<string, PlatformSpec>>;
  /** Its fields in the webhook secret document. */
  secrets: Readonly<Record<string, SecretSpec>>;
  /** Which secret verifies a delivery, and which answers the handshake (GET). */
  verifyWith: string;
  handshakeWith?: string;
}

// The research behind Heed: 30% of people complaining on X expect an answer within 30 minutes,
// 29% on Facebook within 2 hours.
const META_TARGETS = { critical: 15, high: 120, medium: 240, low: 480 };
// A review sits on the brand's public page until it is answered; nobody expects minutes.
const REVIEW_TARGETS = { critical: 60, high: 240, medium: 480, low: 1440 };

export const SOURCES = {
  x: {
    displayName: 'X',
    path: '/webhooks/x',
    methods: ['GET', 'POST'],
    platforms: { x: { displayName: 'X', targets: { critical: 15, high: 30, medium: 120, low: 480 } } },
    secrets: { xConsumerSecret: { kind: 'platform-issued', env: 'X_CONSUMER_SECRET' } },
    verifyWith: 'xConsumerSecret',
    handshakeWith: 'xConsumerSecret',
  },
  meta: {
    displayName: 'Meta (Facebook, Messenger, Instagram, WhatsApp)',
    path: '/webhooks/meta',
    methods: ['GET', 'POST'],
    platforms: {
      facebook: { displayName: 'Facebook', targets: META_TARGETS },
      messenger: { displayName: 'Messenger', targets: META_TARGETS },
      instagram: { displayName: 'Instagram', targets: META_TARGETS },
      whatsapp: { displayName: 'WhatsApp', targets: { critical: 15, high: 60, medium: 240, low: 480 } },
    },
    secrets: {
      metaAppSecret: { kind: 'platform-issued', env: 'META_APP_SECRET' },
      metaVerifyToken: { kind: 'verify-token', env: 'META_VERIFY_TOKEN' },
    },
    verifyWith: 'metaAppSecret',
    handshakeWith: 'metaVerifyToken',
  },
  generic: {
    displayName: 'Generic (Standard Webhooks)',
    path: '/webhooks/generic/{sender}',
    methods: ['POST'],
    platforms: { generic: { displayName: 'a connected source', targets: META_TARGETS } },
    secrets: { genericWebhookSecret: { kind: 'standard-webhooks', env: 'GENERIC_WEBHOOK_SECRET' } },
    verifyWith: 'genericWebhookSecret',
  },
  trustpilot: {
    displayName: 'Trustpilot (service and product reviews)',
    // Trustpilot does not sign its webhooks: the subscription URL carries an unguessable token.
    path: '/webhooks/trustpilot/{token}',
    methods: ['POST'],
    platforms: { trustpilot: { displayName: 'Trustpilot', targets: REVIEW_TARGETS } },
    secrets: { trustpilotUrlToken: { kind: 'url-token', env: 'TRUSTPILOT_URL_TOKEN' } },
    verifyWith: 'trustpilotUrlToken',
  },
  google: {
    displayName: 'Google reviews (Business Profile, through Pub/Sub push)',
    path: '/webhooks/google-business',
    methods: ['POST'],
    platforms: { google: { displayName: 'Google', targets: REVIEW_TARGETS } },
    // The push subscription's OIDC token: its audience, and the service account it must be issued to.
    secrets: {
      googlePushAudience: { kind: 'verify-token', env: 'GOOGLE_PUSH_AUDIENCE' },
      googlePushServiceAccount: { kind: 'service-account', env: 'GOOGLE_PUSH_SERVICE_ACCOUNT' },
    },
    verifyWith: 'googlePushAudience',
  },
} as const satisfies Record<string, SourceDescriptor>;

/**
 * Sources Heed polls instead of being sent to (listening): no webhook route, no webhook secret. Their
 * messages were not addressed to the brand, so triage also checks they speak of it (relevance).
 * X keyword search yields platform `x` (a reply from the brand's account acknowledges it); feeds
 * yield their own platform.
 */
export const LISTENING_SOURCES = {
  feeds: {
    displayName: 'RSS/Atom feeds (Google Alerts, blogs, forums, news, review sites)',
    platforms: {
      web: { displayName: 'the web', targets: { critical: 60, high: 240, medium: 480, low: 1440 } },
    },
  },
} as const satisfies Record<string, Pick<SourceDescriptor, 'displayName' | 'platforms'>>;
export type ListeningSourceName = keyof typeof LISTENING_SOURCES;

export type SourceName = keyof typeof SOURCES;
type Source = (typeof SOURCES)[SourceName];
export type Platform =
  | { [K in SourceName]: keyof (typeof SOURCES)[K]['platforms'] }[SourceName]
  | { [K in ListeningSourceName]: keyof (typeof LISTENING_SOURCES)[K]['platforms'] }[ListeningSourceName];
export type SecretField = { [K in SourceName]: keyof (typeof SOURCES)[K]['secrets'] }[SourceName];

const entries = Object.entries(SOURCES) as [SourceName, Source][];

export const SOURCE_NAMES = entries.map(([name]) => name);

export const PLATFORM_SPECS = Object.fromEntries(
  [...entries, ...Object.entries(LISTENING_SOURCES)].flatMap(([source, s]) =>
    Object.entries(s.platforms).map(([platform, spec]) => [platform, { ...spec, source }]),
  ),
) as Record<Platform, PlatformSpec & { source: SourceName | ListeningSourceName }>;

export const PLATFORMS = Object.keys(PLATFORM_SPECS) as [Platform, ...Platform[]];

export const SECRET_SPECS = Object.fromEntries(
  entries.flatMap(([source, s]) =>
    Object.entries(s.secrets).map(([field, spec]) => [field, { ...spec, source }]),
  ),
) as Record<SecretField, SecretSpec & { source: SourceName }>;

export const SECRET_FIELDS = Object.keys(SECRET_SPECS) as SecretField[];

/** The source whose webhook route is `path` (as API Gateway's route key names it). */
export function sourceForPath(path: string): SourceName | undefined {
  return entries.find(([, s]) => s.path === path)?.[0];
}

/** A generic sender's name in `/webhooks/generic/{sender}`. */
export function isValidSenderName(sender: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(sender);
}
