/**
 * Removal that really excludes, with the real Client against a real relay process (spec/client.md §6.5,
 * threat-model "exclusion"): the removed member R keeps a member's mailbox full with that member's group token;
 * the admin's removal still completes at once (its own token rotated), the change reaches the member once its
 * mailbox has room, and what the member posts afterwards is sealed under a sender key R never received. Also:
 * blocking a contact silences it inside a shared group.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { equalBytes, toHex, type Bytes } from '../../src/crypto/index.js';
import { decodeGroupSession, groupDecrypt, type GroupSession } from '../../src/group/index.js';
import { loadOrCreateKeyFile, SqliteStore } from '../../src/node/index.js';
import { decodeGroupRecord, type GroupRecord } from '../../src/wire/client/group-control.js';
import { decodeRelayEnvelope } from '../../src/wire/client/relay-envelope.js';
import type { RelayRequest } from '../../src/wire/relay-frames.js';
import { RelayRefusal, TestClient } from '../relay/client.js';
import { befriend, openClient, openRecordingClient, relayPerFile, text } from './helpers.js';
import { until } from '../until.js';

// A small mailbox, so one hostile token holder can fill it; a generous per-token rate, so it can keep it full.
const file = relayPerFile('parley-exclusion-', ['--mailbox-max-envelopes', '12', '--mailbox-rate', '200', '--mailbox-burst', '200']);
const { tmp, open } = file;

type Fanout = Extract<RelayRequest, { type: 'fanout' }>;

/** A client whose fan-outs (group messages as uploaded) are recorded. */
async function recording(name: string, fanouts: Fanout[]): Promise<Client> {
  const c = await openRecordingClient(join(tmp.dir, name), file.relay.url, name, (r) => { if (r.type === 'fanout') fanouts.push(r); });
  open.push(c);
  return c;
}

/** What a (closed) client stored for a group: its record and its group session (R keeps both, being hostile). */
async function storedGroup(name: string, gid: string): Promise<{ record: GroupRecord; session: GroupSession }> {
  const dir = join(tmp.dir, name);
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  try {
    const row = (await store.list('groups')).find((r) => r.key === gid);
    const record = decodeGroupRecord(row!.value);
    return { record, session: decodeGroupSession(record.session) };
  } finally {
    await store.close();
  }
}

describe('group exclusion (real relay)', () => {
  it('"a removed member keeping a member\'s mailbox full cannot make it miss the removal or read its later posts"', async () => {
    const fanouts: Fanout[] = [];
    const admin = await openClient(join(tmp.dir, 'admin'), file.relay.url, 'admin');
    const bea = await openClient(join(tmp.dir, 'bea'), file.relay.url, 'bea');
    const mel = await recording('mel', fanouts);
    const rex = await openClient(join(tmp.dir, 'rex'), file.relay.url, 'rex');
    open.push(admin, bea, rex);
    const ids = { bea: (await befriend(admin, bea)).bAtA, mel: (await befriend(admin, mel)).bAtA, rex: (await befriend(admin, rex)).bAtA };
    const g = await admin.createGroup('exclusion', [ids.bea, ids.mel, ids.rex]);
    for (const c of [admin, bea, mel, rex]) await until(() => c.groups().some((x) => x.id === g.id && x.ready), 20_000);
    // Every member posts once, so rex holds everyone's sender key.
    const seenByRex: string[] = [];
    rex.on('message', (m) => seenByRex.push(text(m)));
    for (const [c, t] of [[admin, 'a0'], [bea, 'b0'], [mel, 'm0']] as const) await c.sendToGroup(g.id, { type: 'text', text: t });
    await until(() => seenByRex.length === 3, 20_000);

    // Rex turns hostile: it keeps its stored state and, with mel's group token, fills mel's (offline) mailbox.
    await rex.close();
    const rexView = await storedGroup('rex', g.id);
    const melEntry = rexView.record.roster.find((e) => equalBytes(e.identityKey, mel.identityKey))!;
    await mel.close();
    const hostile = await TestClient.connect(file.relay.url);
    const fill = async (): Promise<number> => {
      let stored = 0;
      for (;;) {
        try {
          await hostile.request({ type: 'send', mailbox: melEntry.mailbox, token: melEntry.token!, data: new Uint8Array(64).fill(7) });
          stored++;
        } catch (e) {
          if (e instanceof RelayRefusal && e.code === 'MAILBOX_FULL') return stored;
          throw e;
        }
      }
    };
    await fill();

    // The removal completes at once although mel's mailbox refuses the change (before: it rejected, no rotation).
    const undelivered: string[] = [];
    admin.on('group-change-undelivered', (e) => undelivered.push(e.code));
    await admin.removeMember(g.id, ids.rex);
    expect(admin.group(g.id).members).not.toContain(rexKeyHex(rexView.session));

    // Mel comes back while rex keeps refilling its mailbox; the change still gets through (retried, §6.5).
    let filling = true;
    const refill = (async () => { while (filling) { await fill().catch(() => 0); await new Promise((r) => setTimeout(r, 5)); } })();
    const mel2 = await recording('mel', fanouts);
    await until(() => mel2.group(g.id).epoch === 1 && !mel2.group(g.id).members.includes(rexKeyHex(rexView.session)), 45_000);
    filling = false;
    await refill;
    hostile.ws.close();

    // Mel posts after the removal: bea and admin read it; rex, with every key it ever held, cannot.
    const beaGot = bea.next('message', (m) => text(m) === 'm1');
    const before = fanouts.length;
    await until(() => mel2.group(g.id).ready, 20_000);
    await mel2.sendToGroup(g.id, { type: 'text', text: 'm1' });
    await beaGot;
    const posted = fanouts.slice(before).map((f) => decodeRelayEnvelope(f.data)).filter((e) => e.kind === 'group');
    expect(posted.length).toBeGreaterThan(0);
    for (const p of posted) {
      expect(() => groupDecrypt(rexView.session, p.data)).toThrow();
    }
    // ...and no fan-out of mel's named rex's mailbox.
    for (const f of fanouts.slice(before)) expect(f.to.some((r) => equalBytes(r.mailbox, rexMailbox(rexView.record)))).toBe(false);
    expect(undelivered).toEqual([]);
  }, 90_000);

  it('"blocking a contact silences it inside a shared group"', async () => {
    const ann = await openClient(join(tmp.dir, 'ann'), file.relay.url, 'ann');
    const ben = await openClient(join(tmp.dir, 'ben'), file.relay.url, 'ben');
    const cid = await openClient(join(tmp.dir, 'cid'), file.relay.url, 'cid');
    open.push(ann, ben, cid);
    const ids = { ben: (await befriend(ann, ben)).bAtA, cid: (await befriend(ann, cid)).bAtA };
    const g = await ann.createGroup('blocking', [ids.ben, ids.cid]);
    for (const c of [ann, ben, cid]) await until(() => c.groups().some((x) => x.id === g.id && x.ready), 20_000);
    const annGot: string[] = [];
    ann.on('message', (m) => annGot.push(text(m)));
    const first = ann.next('message', (m) => text(m) === 'c0');
    await cid.sendToGroup(g.id, { type: 'text', text: 'c0' });
    await first; // ann holds cid's sender key
    await ann.block(ids.cid);
    await cid.sendToGroup(g.id, { type: 'text', text: 'c1 after the block' });
    // One mailbox, in order: once ben's marker is in, cid's post (fanned out before it) was processed.
    const marker = ann.next('message', (m) => text(m) === 'marker');
    await ben.sendToGroup(g.id, { type: 'text', text: 'marker' });
    await marker;
    expect(annGot).toEqual(['c0', 'marker']);
  }, 60_000);
});

function rexKeyHex(s: GroupSession): string {
  return toHex(s.self);
}

function rexMailbox(r: GroupRecord): Bytes {
  return r.roster.find((e) => e.token !== undefined && equalBytes(e.token, r.token))!.mailbox;
}
