/**
 * Channels with unseen readers (spec/client.md §6.6), the real Client against a real relay process: an account
 * publishes a channel invitation; subscribers joined at creation and through the invitation all read its posts;
 * nothing a subscriber stores names another subscriber (identity key, mailbox or group token); an unsubscribed
 * reader reads nothing posted afterwards.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { equalBytes, toHex, type Bytes } from '../../src/crypto/index.js';
import { loadOrCreateKeyFile, SqliteStore } from '../../src/node/index.js';
import { NAMESPACES } from '../../src/store/index.js';
import { decodeGroupRecord } from '../../src/wire/client/group-control.js';
import { until } from '../until.js';
import { befriend, openClient, relayPerFile, text } from './helpers.js';

const file = relayPerFile('parley-channel-');
const { tmp, open } = file;

/** Every value a closed client stored, decrypted by its store. */
async function storedValues(name: string): Promise<Bytes[]> {
  const dir = join(tmp.dir, name);
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  try {
    const out: Bytes[] = [];
    for (const ns of NAMESPACES) for (const e of await store.list(ns)) out.push(e.value);
    return out;
  } finally {
    await store.close();
  }
}

function contains(hay: Bytes, needle: Bytes): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('channels (real relay)', () => {
  it('"subscribers joined before and after creation read the account\'s posts and learn nothing about each other"', async () => {
    const account = await openClient(join(tmp.dir, 'account'), file.relay.url, 'account');
    open.push(account);
    const names = ['s0', 's1', 's2', 's3'];
    const subs: Client[] = [];
    for (const n of names) {
      const c = await openClient(join(tmp.dir, n), file.relay.url, n);
      open.push(c);
      subs.push(c);
    }
    // Two subscribers at creation (contacts of the account), two through the published invitation.
    const early = [(await befriend(account, subs[0]!)).bAtA, (await befriend(account, subs[1]!)).bAtA];
    const channel = await account.createGroup('news', early, { channel: true });
    const { text: invite } = await account.createChannelInvite(channel.id);
    expect(invite.startsWith('parley-channel:')).toBe(true);
    for (const c of subs.slice(2)) {
      const joined = c.next('group-change', (e) => e.change === 'joined' && e.group === channel.id);
      await c.subscribe(invite);
      await joined;
    }
    await until(() => account.group(channel.id).members.length === 5 && account.group(channel.id).ready, 20_000);
    for (const c of subs) {
      await until(() => c.groups().some((g) => g.id === channel.id), 20_000);
      // A reader sees the admin and itself, never another reader.
      expect([...c.group(channel.id).members].sort()).toEqual([toHex(account.identityKey), toHex(c.identityKey)].sort());
    }
    const got = subs.map(() => [] as string[]);
    subs.forEach((c, i) => c.on('message', (m) => { if (m.group === channel.id) got[i]!.push(text(m)); }));
    await account.sendToGroup(channel.id, { type: 'text', text: 'issue 1' });
    await until(() => got.every((g) => g.includes('issue 1')), 20_000);
    // A reader cannot post.
    await expect(subs[0]!.sendToGroup(channel.id, { type: 'text', text: 'reader' })).rejects.toThrow();

    // s3 unsubscribes; the next post reaches the others and not s3.
    await subs[3]!.unsubscribe(channel.id);
    await until(() => account.group(channel.id).members.length === 4, 20_000);
    await account.sendToGroup(channel.id, { type: 'text', text: 'issue 2' });
    await until(() => got.slice(0, 3).every((g) => g.includes('issue 2')), 20_000);
    expect(got[3]).toEqual(['issue 1']);

    // What each subscriber stores names no other subscriber: identity key, mailbox or group token.
    const accountRecord = decodeGroupRecord((await Promise.all([account.close()]).then(() => storedGroupRecord('account', channel.id))));
    for (const c of subs) await c.close();
    for (const [i, n] of names.entries()) {
      const values = await storedValues(n);
      for (const [j, other] of subs.entries()) {
        if (j === i) continue;
        const entry = accountRecord.roster.find((e) => equalBytes(e.identityKey, other.identityKey));
        const secrets = [other.identityKey, ...(entry === undefined ? [] : [entry.mailbox, ...(entry.token === undefined ? [] : [entry.token])])];
        for (const s of secrets) expect(values.some((v) => contains(v, s)), `${n} stores something of ${names[j]}`).toBe(false);
      }
    }
  }, 60_000);
});

async function storedGroupRecord(name: string, gid: string): Promise<Bytes> {
  const dir = join(tmp.dir, name);
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  try {
    return (await store.list('groups')).find((r) => r.key === gid)!.value;
  } finally {
    await store.close();
  }
}
