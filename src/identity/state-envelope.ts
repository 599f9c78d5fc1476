/** The `[version, kind, body]` envelope of serialized state (spec/protocol.md §3), read strictly. */
import { STATE_VERSION } from '../constants.js';
import { fail } from '../errors.js';

export function readStateBody(value: unknown, kind: string, what: string): unknown {
  if (!Array.isArray(value) || value.length !== 3) fail('MALFORMED', `${what}: expected [version, kind, body]`, { what });
  const [version, k, body] = value as [unknown, unknown, unknown];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) fail('MALFORMED', `${what}: version is not a uint`, { what });
  if (version !== STATE_VERSION) fail('UNSUPPORTED_VERSION', `${what}: state version ${version} is not supported`, { what, got: version });
  if (typeof k !== 'string') fail('MALFORMED', `${what}: kind is not a string`, { what });
  if (k !== kind) fail('INVALID_STATE', `${what}: wrong kind`, { what });
  return body;
}
