import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/**
 * Keys whose values are customer words or personal data, wherever they sit in a log entry (a
 * complaint, a platform payload, an error's details). Logs keep ids, counts, types and reasons, which
 * is what an operator needs; the words and who wrote them stay in the table, under its key.
 */
export const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  // What people wrote (a nested `message` string too: Meta's comment text; the log line's own
  // message and an error's are not nested attributes).
  'text',
  'body',
  'rawBody',
  'caption',
  'snippet',
  'excerpt',
  // Who they are.
  'author',
  'authorName',
  'authorHandle',
  'displayName',
  'screen_name',
  'username',
  'handle',
  'user',
  'from',
  'profile',
  'contacts',
  'email',
  'emails',
  'phone',
  'phones',
  'phone_number',
  'wa_id',
]);

export const REDACTED = '[redacted]';

/** A copy of `value` with personal values replaced by `[redacted]`; errors are kept for the formatter. */
export function redactPersonalData(value: unknown, depth = 0): unknown {
  if (value instanceof Error || value === null || typeof value !== 'object' || depth > 20) return value;
  if (Array.isArray(value)) return value.map((item) => redactPersonalData(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      item !== undefined &&
      item !== null &&
      (PERSONAL_KEYS.has(key) || (key === 'message' && typeof item === 'string'))
        ? REDACTED
        : redactPersonalData(item, depth + 1),
    ]),
  );
}

/**
 * Powertools' own JSON log format (the same keys, so its CloudWatch queries keep working), with every
 * attribute added to an entry redacted first. Powertools does not export its default formatter.
 */
export class RedactingLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_arn: context?.invokedFunctionArn,
        function_memory_size: context?.memoryLimitInMB,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        sampling_rate: attributes.sampleRateValue,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(redactPersonalData(additional) as LogAttributes);
  }
}
