/**
 * What this page sent, kept because the client stores only what it receives
 * (client.md §5.1): one record per message in a second IndexedDbStore (sealed
 * at rest like the client's), with its delivery state, which only moves
 * forward: sending → sent (the relay holds it) → delivered → read.
 */
import type { Store } from '../src/store/index.js';

export type DeliveryState = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface SentMessage {
  /** Contact id, or group id for a group message. */
  readonly to: string;
  readonly group: boolean;
  readonly id: string;
  readonly text: string;
  readonly at: number;
  readonly state: DeliveryState;
}

const ORDER: readonly DeliveryState[] = ['failed', 'sending', 'sent', 'delivered', 'read'];

export class SentLog {
  readonly #store: Store;
  readonly #byId = new Map<string, SentMessage>();

  private constructor(store: Store) {
    this.#store = store;
  }

  static async open(store: Store): Promise<SentLog> {
    const log = new SentLog(store);
    for (const e of await store.list('messages')) {
      const m = JSON.parse(new TextDecoder().decode(e.value)) as SentMessage;
      log.#byId.set(m.id, m);
    }
    return log;
  }

  to(id: string): SentMessage[] {
    return [...this.#byId.values()].filter((m) => m.to === id);
  }

  async add(m: SentMessage): Promise<void> {
    await this.#save(m);
  }

  /** Moves a message forward (a late 'sent' never undoes 'read'); unknown ids are someone else's. */
  async mark(id: string, state: DeliveryState): Promise<boolean> {
    const m = this.#byId.get(id);
    if (m === undefined || (state !== 'failed' && ORDER.indexOf(state) <= ORDER.indexOf(m.state))) return false;
    await this.#save({ ...m, state });
    return true;
  }

  async #save(m: SentMessage): Promise<void> {
    this.#byId.set(m.id, m);
    await this.#store.write([{ op: 'put', namespace: 'messages', key: m.id, value: new TextEncoder().encode(JSON.stringify(m)) }]);
  }
}
