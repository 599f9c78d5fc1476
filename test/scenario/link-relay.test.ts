/**
 * Linking a device end to end over a relay process (protocol.md §12.4,
 * relay.md §14): src/linking's new-device (N) and existing-device (E) state
 * machines, each on its own client transport (connectRelay, real sockets),
 * exchange the hello, the proof and a payload of a few contacts and some
 * history (several chunks) through the relay's linking mailboxes. N's
 * connection is dropped between the hello and the chunks: the transport
 * listens again from its last message and N still completes the link.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_CHUNK_SIZE } from '../../src/constants.js';
import { concatBytes, equalBytes, systemRandom, type Bytes } from '../../src/crypto/index.js';
import { connectRelay } from '../../src/client/transport/relay-connection.js';
import type { RelayApi, RelayHandlers } from '../../src/client/transport/relay-api.js';
import { encodeDeviceList, generateIdentityKeyPair, signDeviceList, type IdentityKeyPair } from '../../src/identity/index.js';
import {
  acceptLinkOffer, confirmLinkSas, createLinkOffer, proveLinkDevice, receiveLinkChunk, receiveLinkHello, receiveLinkProof, sealLinkPayload,
  type LinkResult,
} from '../../src/linking/index.js';
import { nodeWebSocketFactory } from '../../src/node/index.js';
import { decodeLinkOffer } from '../../src/wire/index.js';
import { startRelayProcess, tempDir, type RelayProcess } from './helpers.js';

const tmp = tempDir('parley-link-relay-');
let relay: RelayProcess;
const open: RelayApi[] = [];

beforeAll(async () => {
  relay = await startRelayProcess(join(tmp.dir, 'relay'));
}, 30_000);

afterAll(async () => {
  for (const api of open) await api.close();
  await relay?.stop();
  tmp.remove();
});

const quiet: RelayHandlers = { onConnected: async () => undefined, onDelivery: async () => undefined, onPreKeysLow: () => undefined, onState: () => undefined };

async function device(identity: IdentityKeyPair): Promise<Required<Pick<RelayApi, 'linkOpen' | 'linkSend' | 'linkListen' | 'linkClose'>> & RelayApi> {
  const api = connectRelay({ url: relay.url, identity, random: systemRandom, handlers: quiet, webSocket: nodeWebSocketFactory, backoff: { baseMs: 20, maxMs: 200 } });
  open.push(api);
  await api.whenConnected();
  return api as Required<Pick<RelayApi, 'linkOpen' | 'linkSend' | 'linkListen' | 'linkClose'>> & RelayApi;
}

/** Messages handed over by a listen, taken one at a time. */
class Inbox {
  private readonly queued: Bytes[] = [];
  private waiting: ((b: Bytes) => void) | undefined;
  readonly push = (b: Bytes): void => {
    if (this.waiting === undefined) this.queued.push(b);
    else {
      const w = this.waiting;
      this.waiting = undefined;
      w(b);
    }
  };
  next(): Promise<Bytes> {
    const b = this.queued.shift();
    return b !== undefined ? Promise.resolve(b) : new Promise((resolve) => { this.waiting = resolve; });
  }
  get size(): number {
    return this.queued.length;
  }
}

const bigBytes = (n: number): Bytes => concatBytes(...Array.from({ length: Math.ceil(n / 65536) }, () => systemRandom(65536))).subarray(0, n);

describe('linking a device through the relay', () => {
  it('N and E complete the link over the linking mailboxes, N surviving a dropped connection', async () => {
    const account = generateIdentityKeyPair(systemRandom);
    const primary = generateIdentityKeyPair(systemRandom);
    const newDevice = generateIdentityKeyPair(systemRandom);
    const list = signDeviceList({ account, previous: null, devices: [{ id: 1, key: primary.publicKey, createdAt: 1 }], createdAt: 1 });
    const [n, e] = [await device(newDevice), await device(primary)];

    // N: the offer, the link open and listened on before the QR code is shown.
    let newLink = createLinkOffer({ relayUrl: relay.url, random: systemRandom });
    const linkId = decodeLinkOffer(newLink.offer).linkId;
    await n.linkOpen(linkId);
    const toNew = new Inbox();
    await n.linkListen(linkId, 'n', toNew.push);

    // E scans the offer: its hello goes towards N; it listens for the proof.
    const accepted = acceptLinkOffer({ offer: newLink.offer, random: systemRandom });
    const toExisting = new Inbox();
    await e.linkListen(linkId, 'e', toExisting.push);
    await e.linkSend(linkId, 'n', accepted.hello);

    const greeted = receiveLinkHello(newLink.link, await toNew.next());
    expect(greeted.sas).toBe(accepted.sas); // the users compare the digits
    const proved = proveLinkDevice(confirmLinkSas(greeted.link), newDevice);
    await n.linkSend(linkId, 'e', proved.proof);

    const checked = receiveLinkProof(confirmLinkSas(accepted.link), await toExisting.next());
    expect(equalBytes(checked.deviceKey, newDevice.publicKey)).toBe(true);
    const next = signDeviceList({ account, previous: list, devices: [...list.devices, { id: 2, key: checked.deviceKey, createdAt: 2 }], createdAt: 2 });
    const contacts = ['alice', 'bob', 'carol'].map((name) => new TextEncoder().encode(`contact:${name}`));
    const history = bigBytes(2 * LINK_CHUNK_SIZE);
    const sealed = sealLinkPayload(checked.link, {
      account: account.publicKey, deviceList: encodeDeviceList(next), deviceId: 2, contacts, groups: [], settings: [], history,
    });
    expect(sealed.chunks.length).toBeGreaterThanOrEqual(3);

    // N's connection drops before the chunks: its transport reconnects and listens again after the hello.
    n.interrupt();
    for (const chunk of sealed.chunks) await e.linkSend(linkId, 'n', chunk);

    let link = proved.link;
    let result: LinkResult | null = null;
    for (const _ of sealed.chunks) ({ link, result } = receiveLinkChunk(link, await toNew.next()));
    expect(result).not.toBeNull();
    expect(result!.payload.contacts).toEqual(contacts);
    expect(equalBytes(result!.payload.history!, history)).toBe(true);
    expect(result!.deviceList.devices.map((d) => d.id)).toEqual([1, 2]);
    expect(toNew.size).toBe(0); // each message handed over once, the hello not again after the reconnect

    await n.linkClose(linkId);
    await expect(e.linkSend(linkId, 'n', accepted.hello)).rejects.toMatchObject({ details: { relayCode: 'NO_LINK' } });
    newLink = createLinkOffer({ relayUrl: relay.url, random: systemRandom }); // a fresh offer opens a fresh link
    await n.linkOpen(decodeLinkOffer(newLink.offer).linkId);
  });
});
