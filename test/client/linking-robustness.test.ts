/**
 * The linking flows' robustness (spec/client.md §10.4, §10.5), real Clients over a real relay process:
 * a list published but not committed (a failed store write or a crash in between) is adopted before the next
 * change, which then succeeds and every peer follows the chain; a rejected SAS ends the other side at once
 * (LINK_FAILED, REJECTED), in both directions; an announcement that fails after the link took effect leaves
 * confirm() resolved and stays owed until it is made after the next authentication.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { isClientError } from '../../src/client/errors.js';
import { contextOf } from '../../src/client/internals.js';
import { toHex } from '../../src/crypto/index.js';
import { openDeviceList } from '../../src/identity/index.js';
import type { StoreWrite } from '../../src/store/index.js';
import { until } from '../relay/harness.js';
import { befriend, openInFile, relayPerFile } from '../scenario/helpers.js';
import { linkThroughChannel as link } from './devices-helpers.js';

const file = relayPerFile('parley-linking-robust-');
let n = 0;

/** A client named `name` on the file's relay, in a store of its own (a name may be opened more than once). */
const open = (name: string): Promise<Client> => openInFile(file, `${name}-${n++}`, name);

const code = (e: unknown): string | undefined => (isClientError(e) ? e.code : undefined);
const reason = (e: unknown): unknown => (isClientError(e) ? e.details['reason'] : undefined);

/** The next store write that puts the account record fails once (a full disk, or the process dying there). */
function failNextAccountWrite(client: Client): void {
  const store = contextOf(client).store;
  const write = store.write.bind(store);
  let armed = true;
  store.write = async (writes: readonly StoreWrite[]) => {
    if (armed && writes.some((w) => w.op === 'put' && w.namespace === 'account')) {
      armed = false;
      throw new Error('injected: the store write after the publish failed');
    }
    return write(writes);
  };
}

const listVersion = (bytes: Uint8Array | undefined): number | undefined => (bytes === undefined ? undefined : openDeviceList(bytes).version);

describe('linking robustness (client level, real relay)', () => {
  it('a list published but not committed is adopted before the next change; peers follow the chain', async () => {
    const e = await open('ada');
    const c = await open('cal');
    const { aAtB: adaAtCal } = await befriend(e, c);
    const conflicts: unknown[] = [];
    c.on('device-list-conflict', (ev) => conflicts.push(ev));
    e.on('device-list-conflict', (ev) => conflicts.push(ev));

    // The first link: list 1 reaches the relay, its commit fails.
    const lost = await open('ada-lost');
    failNextAccountWrite(e);
    const offering = await lost.offerLink();
    const linking = await e.linkDevice(offering.text);
    await offering.sas;
    const lostConfirm = offering.confirm().catch((x: unknown) => x);
    expect(await linking.confirm().catch((x: unknown) => String(x))).toMatch(/injected/);
    expect(code(await lostConfirm)).toBe('LINK_FAILED');
    expect(e.devices()).toHaveLength(1);

    // The next link adopts list 1 (the lost device stays listed until revoked), then signs list 2.
    const phone = await open('ada-phone');
    const calSawPhone = c.next('devices-changed', (ev) => ev.added.includes(toHex(phone.identityKey)));
    const { id } = await link(e, phone);
    expect(id).toBe(3);
    expect(e.devices().map((d) => [d.id, d.key])).toEqual([[1, toHex(e.identityKey)], [2, toHex(lost.identityKey)], [3, toHex(phone.identityKey)]]);
    await calSawPhone;
    expect(listVersion(c.contact(adaAtCal).deviceList)).toBe(2);

    // Revoking the device whose link never completed: list 3, which Cal follows too. The lost device never announced
    // itself, so Cal never counted it (client.md §10.2) and reports no removal: wait for the list itself.
    expect((await e.revokeDevice(2)).map((d) => d.id)).toEqual([1, 3]);
    await until(() => listVersion(c.contact(adaAtCal).deviceList) === 3);
    expect(conflicts).toEqual([]);
  }, 180_000);

  it('N rejects the SAS while E confirmed: E fails at once, LINK_FAILED REJECTED', async () => {
    const e = await open('bo');
    const fresh = await open('bo-phone');
    const offering = await fresh.offerLink();
    const linking = await e.linkDevice(offering.text);
    await offering.sas;
    const confirmed = linking.confirm().catch((x: unknown) => x); // waits for the proof
    await offering.cancel(); // N's user saw other digits
    const failure = await confirmed; // without the abort this waits the link's 10 minutes (the test times out)
    expect([code(failure), reason(failure)]).toEqual(['LINK_FAILED', 'REJECTED']);
    expect(e.devices()).toHaveLength(1);
  }, 60_000);

  it('E rejects the SAS while N confirmed: N fails at once, LINK_FAILED REJECTED', async () => {
    const e = await open('di');
    const fresh = await open('di-phone');
    const offering = await fresh.offerLink();
    const linking = await e.linkDevice(offering.text);
    await offering.sas;
    const confirmed = offering.confirm().catch((x: unknown) => x); // sends its proof, waits for the payload
    await linking.cancel();
    const failure = await confirmed;
    expect([code(failure), reason(failure)]).toEqual(['LINK_FAILED', 'REJECTED']);
    expect(fresh.devices()).toHaveLength(1);
    expect(fresh.contacts()).toEqual([]);
  }, 60_000);

  it('an announcement that fails after the install: confirm() resolves, the error is an event, it is made after the reconnection', async () => {
    const e = await open('flo');
    const c = await open('gus');
    const { aAtB: floAtGus } = await befriend(e, c);
    const fresh = await open('flo-tablet');
    const ctx = contextOf(fresh);
    const registerToken = ctx.relay.registerToken.bind(ctx.relay);
    let refused = 0;
    ctx.relay.registerToken = async (token) => {
      if (refused++ === 0) throw new Error('injected: the relay refused the first token of the announcement');
      return registerToken(token);
    };
    const errors: unknown[] = [];
    fresh.on('error', (ev) => errors.push(ev.error));
    const gusReachesTablet = c.next('devices-changed', (ev) => ev.added.includes(toHex(fresh.identityKey)));
    await link(e, fresh); // resolves on both sides although N's first announcement failed
    await until(() => contextOf(fresh).account?.owed !== undefined); // the announcement to Gus stays owed …
    fresh.interruptConnection(); // … and is made after the next authentication (client.md §10.3)
    await gusReachesTablet; // the tablet's own announcement reached Gus
    await until(() => c.contact(floAtGus).devices?.some((d) => toHex(d.key) === toHex(fresh.identityKey) && d.mailbox !== undefined) === true);
    expect(errors.map(String).some((m) => m.includes('injected'))).toBe(true);
  }, 120_000);
});
