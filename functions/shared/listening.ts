import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { FAILING_ALARM_MS, type PollOutcome } from '#core/use-cases/listen.ts';
import { LISTENED_METRIC, LISTENER_FAILING_METRIC } from './metrics.ts';
import { logger } from './runtime.ts';

/**
 * What a listener's run reports, the same for every poller: each outcome logged, messages counted,
 * and the number of listeners failing for an hour or more (0 too: the alarm sees them recover).
 */
export function reportPolls(outcomes: PollOutcome[], metrics: Metrics): void {
  let enqueued = 0;
  let failing = 0;
  for (const outcome of outcomes) {
    if (outcome.result === 'polled') enqueued += outcome.enqueued;
    if (
      (outcome.result === 'failed' || outcome.result === 'waiting') &&
      outcome.failingForMs >= FAILING_ALARM_MS
    )
      failing++;
    if (outcome.result === 'failed') logger.warn('listener poll failed; it backs off', { outcome });
    else logger.info('listener polled', { outcome });
  }
  metrics.addMetric(LISTENED_METRIC, MetricUnit.Count, enqueued);
  metrics.addMetric(LISTENER_FAILING_METRIC, MetricUnit.Count, failing);
  metrics.publishStoredMetrics();
}
