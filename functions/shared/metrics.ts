/** Custom metric names, shared by the functions that emit them and the alarms that watch them. */
export const METRICS_NAMESPACE = 'Heed';
export const SECRET_MISSING_METRIC = 'WebhookSecretMissing';
