/**
 * `npm run demo`: a relay and three people, each in their own process.
 * Alice invites Bob and Carol, they chat 1:1 and in a group, Carol goes
 * offline and catches up, and at the end we look at what the relay stored:
 * opaque bytes only.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { forkParticipant, startRelayProcess, type Participant } from './harness.js';

const participantScript = fileURLToPath(new URL('./participant.ts', import.meta.url));
const step = (s: string): void => console.log(`\n── ${s}`);
const show = (who: string, s: string): void => console.log(`   ${who.padEnd(6)} ${s}`);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-demo-'));
  const relay = await startRelayProcess(join(dir, 'relay'));
  const people: Participant[] = [];
  try {
    step(`relay listening at ${relay.url} (data in ${join(dir, 'relay')})`);
    const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((n) => forkParticipant(participantScript, n, [relay.url, join(dir, n)]))) as [Participant, Participant, Participant];
    people.push(alice, bob, carol);
    for (const p of people) {
      p.onEvent((e) => {
        if (e['event'] === 'message') show(p.name, `⇐ ${String(e['from'])}${e['group'] === undefined ? '' : ` in #${String(e['group'])}`}: ${String(e['text'])}`);
      });
      const r = await p.call<{ identityKey: string }>('open');
      show(p.name, `identity key ${r.identityKey.slice(0, 16)}…, connected (separate process)`);
    }

    step('Alice creates an invitation; Bob and Carol accept it (each their own)');
    const invite = await alice.call<string>('invite');
    show('Alice', `invitation: ${invite.slice(0, 48)}… (${invite.length} chars, also a QR payload)`);
    let added = alice.next('contact-added');
    await bob.call('accept', { text: invite });
    show('Alice', `* ${String((await added)['name'])} is now a contact`);
    added = alice.next('contact-added');
    await carol.call('accept', { text: await alice.call<string>('invite') });
    show('Alice', `* ${String((await added)['name'])} is now a contact`);
    added = bob.next('contact-added');
    await carol.call('accept', { text: await bob.call<string>('invite') });
    await added;
    show('Bob', '* Carol is now a contact (Bob invited her too)');
    const [sa, sb] = [await alice.call<string>('safety', { with: 'Bob' }), await bob.call<string>('safety', { with: 'Alice' })];
    show('Alice', `safety number with Bob: ${sa.slice(0, 23)}… ${sa === sb ? '(Bob sees the same)' : '(MISMATCH)'}`);

    step('1:1 chat, sealed: the relay learns the recipient, not the sender');
    let got = bob.next('message');
    await alice.call('send', { to: 'Bob', text: 'Hi Bob! Lunch at noon?' });
    await got;
    got = alice.next('message');
    await bob.call('send', { to: 'Alice', text: 'Sure, see you there.' });
    await got;

    step('a group: one upload per message, fanned out by the relay');
    await alice.call('createGroup', { name: 'lunch', members: ['Bob', 'Carol'] });
    await Promise.all([alice, bob, carol].map((p) => p.call('groupReady', { group: 'lunch' })));
    show('Alice', '* created #lunch with Bob and Carol (each registered a group token; Alice shared the roster)');
    const both = [bob.next('message'), carol.next('message')];
    await alice.call('sendGroup', { group: 'lunch', text: 'Table for three at noon' });
    await Promise.all(both);
    const both2 = [alice.next('message'), bob.next('message')];
    await carol.call('sendGroup', { group: 'lunch', text: "I'll be 5 minutes late" });
    await Promise.all(both2);

    step('Carol goes offline; messages wait at the relay');
    await carol.call('close');
    show('Carol', '* offline');
    await alice.call('send', { to: 'Carol', text: 'Carol, we saved you a seat' });
    const aliceGot = alice.next('message');
    await bob.call('sendGroup', { group: 'lunch', text: 'Ordered the soup for everyone' });
    show('Alice', '→ Carol (stored at the relay until she returns)');
    show('Bob', '→ #lunch (stored once, fanned out to Alice and Carol)');
    await aliceGot;
    dumpRelay(join(dir, 'relay'));

    step('Carol comes back and catches up');
    const caughtUp = new Promise<void>((resolve) => {
      let n = 0;
      carol.onEvent((e) => { if (e['event'] === 'message' && ++n === 2) resolve(); });
    });
    await carol.call('open');
    await caughtUp;
  } finally {
    step('shutting down');
    await Promise.all(people.map((p) => p.stop()));
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
    console.log('   done.');
  }
}

/** Prints what the relay's SQLite files hold: every table, with binary columns as hex. */
function dumpRelay(dataDir: string): void {
  step('what the relay stored (its SQLite database, read directly)');
  for (const file of readdirSync(dataDir).filter((f) => f.endsWith('.db') || f.endsWith('.sqlite'))) {
    const db = new Database(join(dataDir, file), { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
      for (const { name } of tables) {
        const rows = db.prepare(`SELECT * FROM "${name}" LIMIT 3`).all() as Record<string, unknown>[];
        const count = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
        console.log(`   ${file} › ${name}: ${count} row(s)`);
        for (const row of rows) {
          const cells = Object.entries(row).map(([k, v]) => `${k}=${v instanceof Uint8Array ? `${Buffer.from(v).toString('hex').slice(0, 40)}…(${v.length} B)` : String(v)}`);
          console.log(`      ${cells.join('  ').slice(0, 160)}`);
        }
      }
    } finally {
      db.close();
    }
  }
  console.log('   (no names, no plaintext, no sender identities: envelopes are sealed, tokens hashed)');
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
