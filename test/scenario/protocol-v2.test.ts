/**
 * Protocol version 2 where a user meets it, against a real relay process.
 *
 * Padding (protocol.md §3.1, §7.3): the relay stores envelopes whose sizes
 * are size classes — a text, a reaction, a read receipt and a typing
 * indicator arrive at the relay at one size.
 *
 * Restore (client.md §5.7): a store restored from a backup never sends on its old sessions or sender
 * keys (spec/client.md §5.7, protocol.md §6.2): Alice's SQLite store is put
 * back to an earlier copy while her FileRestoreGuard (kept outside the
 * backup) remembers a later generation. At open the client says it was
 * restored, starts a new session with Bob from his bundle and a new sender
 * key in their group — and Bob receives everything. Reusing the restored
 * sending chains would repeat message keys and nonces, and Bob would drop
 * those messages as DUPLICATE_MESSAGE (test/unit/store/restore-guard.test.ts
 * shows that outcome on the session layer).
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { FileRestoreGuard } from '../../src/node/index.js';
import type { RelayRequest } from '../../src/wire/relay-frames.js';
import { befriend, openInFile, openRecordingClient, relayPerFile, text } from './helpers.js';
import { until } from '../until.js';

const file = relayPerFile('parley-restore-');

describe('padding', () => {
  it('the relay sees one envelope size for a short text, a reaction, a read receipt and a typing indicator', async () => {
    const requests: RelayRequest[] = [];
    const alice = await openRecordingClient(join(file.tmp.dir, 'padding-alice'), file.relay.url, 'alice', (r) => requests.push(r));
    file.open.push(alice);
    const bob = await openInFile(file, 'padding-bob');
    const { bAtA } = await befriend(alice, bob);
    const warm = bob.next('message');
    await alice.send(bAtA, { type: 'text', text: 'first' }); // the initial message of the session
    const first = await warm;
    const back = alice.next('message');
    await bob.send(bob.contacts()[0]!.id, { type: 'text', text: 'ok' });
    await back;
    const from = requests.length;
    const got = bob.next('message', (m) => text(m) === 'see you at 8?');
    await alice.send(bAtA, { type: 'text', text: 'see you at 8?' });
    await got;
    await alice.send(bAtA, { type: 'reaction', target: first.content.id, emoji: '👍', remove: false });
    await alice.markRead(bAtA, [first.content.id]);
    await alice.sendTyping(bAtA, true);
    const sizes = requests.slice(from).flatMap((r) => (r.type === 'send' || r.type === 'ephemeral' ? [`${r.type} ${r.data.length}`] : []));
    expect(sizes).toHaveLength(4);
    expect(new Set(sizes.map((s) => s.split(' ')[1])).size).toBe(1);
  });
});

describe('restored store', () => {
  it('a store restored from a backup starts new sessions and sender keys instead of reusing message keys', async () => {
    const dir = join(file.tmp.dir, 'alice');
    const requests: RelayRequest[] = [];
    const guard = new FileRestoreGuard(join(file.tmp.dir, 'alice-generation')); // outside the backed-up folder
    const openAlice = () => openRecordingClient(dir, file.relay.url, 'alice', (r) => requests.push(r), { restoreGuard: guard });
    let alice: Client = await openAlice();
    const bob = await openInFile(file, 'bob');
    const { bAtA } = await befriend(alice, bob);
    const group = await alice.createGroup('backup', [bAtA]);
    const ready = (c: Client) => () => c.groups().some((g) => g.id === group.id && g.ready);
    await until(ready(alice));
    await until(ready(bob));
    const receive = async (send: () => Promise<unknown>, body: string) => {
      const got = bob.next('message', (m) => text(m) === body);
      await send();
      expect(text(await got)).toBe(body);
    };
    await receive(() => alice.send(bAtA, { type: 'text', text: 'one' }), 'one');
    await receive(() => alice.sendToGroup(group.id, { type: 'text', text: 'group one' }), 'group one');

    await alice.close();
    copyFileSync(join(dir, 'store.db'), join(dir, 'backup.db'));
    alice = await openAlice();
    expect(alice.restoredFromBackup).toBe(false);
    await receive(() => alice.send(bAtA, { type: 'text', text: 'two' }), 'two');
    await receive(() => alice.sendToGroup(group.id, { type: 'text', text: 'group two' }), 'group two');
    await alice.close();

    // The restore: the earlier copy replaces the store; the guard file is not part of it.
    rmSync(join(dir, 'store.db-wal'), { force: true });
    copyFileSync(join(dir, 'backup.db'), join(dir, 'store.db'));
    // Counted from the open: owed group work the backup holds (a roster broadcast, client.md §6.3) may start the new
    // session before 'three' does, or at once with it — one session, one bundle, either way.
    const bundlesBefore = requests.filter((r) => r.type === 'bundle').length;
    alice = await openAlice();
    file.open.push(alice);
    expect(alice.restoredFromBackup).toBe(true);
    await receive(() => alice.send(bAtA, { type: 'text', text: 'three' }), 'three');
    expect(requests.filter((r) => r.type === 'bundle').length).toBe(bundlesBefore + 1); // a new session, from Bob's bundle
    await receive(() => alice.sendToGroup(group.id, { type: 'text', text: 'group three' }), 'group three');
    const back = alice.next('message', (m) => text(m) === 'reply');
    await bob.send(bob.contacts()[0]!.id, { type: 'text', text: 'reply' });
    expect(text(await back)).toBe('reply');
  });
});
