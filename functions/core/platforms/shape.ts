/**
 * A structural summary of a rejected delivery, safe to log: keys and types only, strings reduced to
 * their length, so neither secrets nor customers' words reach the logs.
 */
export function describeShape(value: unknown, depth = 4): unknown {
  if (value === null) return null;
  if (Array.isArray(value))
    return depth <= 0
      ? `array(${value.length})`
      : value
          .slice(0, 3)
          .map((v) => describeShape(v, depth - 1))
          .concat(value.length > 3 ? [`…${value.length - 3} more`] : []);
  switch (typeof value) {
    case 'string':
      return `string(${value.length})`;
    case 'object': {
      const entries = Object.entries(value as Record<string, unknown>);
      if (depth <= 0) return `object(${entries.length} keys)`;
      return Object.fromEntries(
        entries.slice(0, 30).map(([k, v]) => [k.slice(0, 64), describeShape(v, depth - 1)]),
      );
    }
    default:
      return typeof value;
  }
}
