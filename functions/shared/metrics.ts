/** Custom metric names, shared by the functions that emit them and the alarms that watch them. */
export const METRICS_NAMESPACE = 'Heed';
export const SECRET_MISSING_METRIC = 'WebhookSecretMissing';
/** A platform stopped sending an account's events (revoked app or permission, offboarding). */
export const INTAKE_REVOKED_METRIC = 'IntakeRevoked';
/** Queued events that can never be processed, sent straight to the DLQ with their reason. */
export const POISON_EVENTS_METRIC = 'PoisonEvents';
/** Verified deliveries (or parts) of a type Heed does not handle, by `eventType`: kept for `heed reprocess`. */
export const UNHANDLED_EVENTS_METRIC = 'UnhandledEvents';
/** A processor container whose sentence encoder did not load: its triage ran on the n-gram cues alone. */
export const ENCODER_UNAVAILABLE_METRIC = 'SentenceEncoderUnavailable';
/** Messages a listener (feed poller, X keyword search) enqueued in one run. */
export const LISTENED_METRIC = 'ListenedMessages';
/** Listeners (feeds, the X search) that have been failing for an hour or more: the ListenerFailing alarm. */
export const LISTENER_FAILING_METRIC = 'ListenersFailing';
