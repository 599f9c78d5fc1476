/**
 * Secrets that cannot print (house guide §State): state holding private keys
 * shows as `[Label]` under JSON.stringify, console.log and util.inspect. The
 * two hooks are non-enumerable own properties, so spreads, structuredClone,
 * deep equality and the codecs (which read fields by name) ignore them; every
 * function that returns such state marks the object it returns.
 */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export function redact<T extends object>(value: T, label: string): T {
  if (Object.prototype.hasOwnProperty.call(value, INSPECT)) return value;
  const show = (): string => `[${label}]`;
  Object.defineProperty(value, 'toJSON', { value: show, enumerable: false });
  Object.defineProperty(value, INSPECT, { value: show, enumerable: false });
  return value;
}
