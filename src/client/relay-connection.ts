/** The relay connection over WebSocketLike (relay.md): placeholder until src/wire/relay-frames.ts lands. */
import type { RandomSource } from '../crypto/index.js';
import type { BackoffOptions } from './backoff.js';
import type { IdentityKeyPair } from './core.js';
import { ClientError } from './errors.js';
import type { RelayApi, RelayHandlers } from './relay-api.js';
import type { WebSocketFactory } from './websocket.js';

export interface RelayConnectionOptions {
  readonly url: string;
  readonly identity: IdentityKeyPair;
  readonly random: RandomSource;
  readonly handlers: RelayHandlers;
  readonly webSocket: WebSocketFactory;
  readonly backoff?: BackoffOptions;
  readonly requestTimeoutMs?: number;
}

export function connectRelay(_o: RelayConnectionOptions): RelayApi {
  throw new ClientError('NOT_CONNECTED', 'relay connection not available yet');
}
