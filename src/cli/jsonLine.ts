/** One JSON line for stdout; bigints (nanosecond times, ids) as decimal strings. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`;
}
