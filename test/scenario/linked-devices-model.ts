/**
 * The model behind test/scenario/linked-devices-ops.test.ts: accounts of one
 * primary and its linked devices, each a real Client on a real relay process,
 * what each device received, which revocations it processed (its
 * `devices-changed` events) and which list conflicts it reported; and the
 * ledger of what every message must, may and must not reach.
 */
import { join } from 'node:path';
import type { Client } from '../../src/client/client.js';
import type { DeviceListConflictEvent } from '../../src/client/events.js';
import { contactPeers, ownList, siblingPeers } from '../../src/client/devices/index.js';
import { listedKeys } from '../../src/client/contacts/book.js';
import { toHex, fromHex, type Bytes } from '../../src/crypto/index.js';
import { openDeviceList } from '../../src/identity/index.js';
import { contextOf } from '../client/devices-helpers.js';
import { openClient, text } from './helpers.js';

export interface Device {
  readonly acct: number;
  readonly name: string;
  readonly dir: string;
  client: Client | undefined;
  /** Device key, hex (known once opened). */
  key: string;
  /** No longer on its account's list: the primary revoked it. */
  revoked: boolean;
  /** `in:<text>` / `out:<text>` (a message another device of our account sent), in arrival order. */
  readonly received: string[];
  /** Device keys (hex) whose removal this device processed (a `devices-changed` event naming it). */
  readonly processedRevocations: Set<string>;
  readonly conflicts: DeviceListConflictEvent[];
  /** Real linking flows this client instance ran as the primary (the relay caps a connection's link listens). */
  realLinks: number;
}

export interface Account {
  readonly index: number;
  /** devices[0] is the primary. */
  readonly devices: Device[];
  /** Every list the primary committed, oldest first (what an old list is taken from). */
  readonly lists: Bytes[];
}

export function newDevice(acct: number, n: number, runDir: string): Device {
  const name = `a${acct}d${n}`;
  return {
    acct, name, dir: join(runDir, name), client: undefined, key: '', revoked: false,
    received: [], processedRevocations: new Set(), conflicts: [], realLinks: 0,
  };
}

/** Opens (or reopens from its store) a device's client, listening before any backlog arrives. */
export async function bringUp(d: Device, relayUrl: string): Promise<Client> {
  const c = await openClient(d.dir, relayUrl, d.name, (x) => {
    x.on('message', (m) => d.received.push(`${m.outgoing === true ? 'out' : 'in'}:${text(m)}`));
    x.on('devices-changed', (e) => { for (const k of e.removed) d.processedRevocations.add(k); });
    x.on('device-list-conflict', (e) => d.conflicts.push(e));
  });
  d.client = c;
  d.key = toHex(c.identityKey);
  d.realLinks = 0;
  return c;
}

export const current = (a: Account): Device[] => a.devices.filter((d) => !d.revoked);
export const accountKeyOf = (a: Account): Bytes => fromHex(a.devices[0]!.key);

/** The contact id at device `d` for account `to`. */
export function contactIdAt(d: Device, to: Account): string {
  const c = contextOf(d.client!).contacts.byAccountKey(accountKeyOf(to));
  if (c === undefined) throw new Error(`${d.name} has no contact for account ${to.index}`);
  return c.id;
}

/** The device keys (hex, sorted) and version of the list of account `of` that device `d` accepted. */
export function knownList(d: Device, of: Account): { keys: string; version: number } {
  const ctx = contextOf(d.client!);
  if (of.index === d.acct) {
    const list = ownList(ctx);
    return { keys: list === undefined ? d.key : list.devices.map((x) => toHex(x.key)).sort().join(), version: list?.version ?? 0 };
  }
  const c = ctx.contacts.byAccountKey(accountKeyOf(of));
  if (c === undefined) return { keys: '', version: -1 };
  return { keys: listedKeys(c).map(toHex).sort().join(), version: c.deviceList === undefined ? 0 : openDeviceList(c.deviceList).version };
}

/** Does device `d` hold account `of`'s current devices, and an address for each of them (but itself)? */
export function knowsAccount(d: Device, of: Account, strictVersion: boolean): boolean {
  const want = current(of).map((x) => x.key).sort().join();
  const known = knownList(d, of);
  if (known.keys !== want) return false;
  if (strictVersion && known.version !== versionOf(of)) return false;
  const ctx = contextOf(d.client!);
  if (of.index === d.acct) return siblingPeers(ctx).length === current(of).length - 1;
  return contactPeers(ctx.contacts.byAccountKey(accountKeyOf(of))!).length === current(of).length;
}

/** The version of the primary's newest committed list (0: never linked). */
export function versionOf(a: Account): number {
  const last = a.lists.at(-1);
  return last === undefined ? 0 : openDeviceList(last).version;
}

/** Records the primary's newest list after it changed. */
export function recordList(a: Account): void {
  const list = contextOf(a.devices[0]!.client!).account?.list;
  if (list !== undefined && (a.lists.length === 0 || toHex(a.lists.at(-1)!) !== toHex(list))) a.lists.push(list);
}

/**
 * What each device must receive (`required`, exactly once), may receive (`optional`: a revoked device, from a
 * sender that had not yet processed its revocation), and nothing else.
 */
export class Ledger {
  readonly required = new Map<string, string[]>();
  readonly optional = new Map<string, Set<string>>();
  /** Messages a sender sent after it processed a device's revocation, that would have gone to that device. */
  afterRevocation = 0;

  /**
   * A message `t` from device `from`: `in:` to every device of `to` (accounts), `out:` to every other device of
   * the sender's account; a revoked device of either may get it only if `from` had not processed its revocation.
   */
  sent(t: string, from: Device, accounts: readonly Account[], to: readonly Account[]): void {
    const own = accounts[from.acct]!;
    for (const a of [...to.filter((x) => x !== own), own]) {
      const tag = a === own ? 'out' : 'in';
      for (const d of a.devices) {
        if (d === from) continue;
        if (!d.revoked) this.#add(this.required, d.name, `${tag}:${t}`);
        else if (!from.processedRevocations.has(d.key)) this.#optional(d.name).add(`${tag}:${t}`);
        else this.afterRevocation++;
      }
    }
  }

  #add(m: Map<string, string[]>, k: string, v: string): void {
    const list = m.get(k) ?? [];
    list.push(v);
    m.set(k, list);
  }

  #optional(k: string): Set<string> {
    const s = this.optional.get(k) ?? new Set<string>();
    this.optional.set(k, s);
    return s;
  }
}

/** What a device received, markers left out. */
export const withoutMarkers = (d: Device): string[] => d.received.filter((r) => !r.slice(r.indexOf(':') + 1).startsWith('marker'));
