/**
 * `npx tsx bench/padding.ts`: what padding (spec/protocol.md §3.1, §7.3) costs
 * and hides, on real sealed envelopes for a realistic mix of content. Sizes
 * are deterministic (no timing): the table in spec/protocol.md §7.3 is this
 * script's output.
 *
 * Each row is one app payload (client.md §2, §3) sent on an established
 * session (k = 2) and, for the first message of a session, as an initial
 * message (k = 1); the sealed envelope (§7.3) is what the relay stores.
 */
import { systemRandom, utf8, type Bytes } from '../src/crypto/index.js';
import { buildPreKeyBundle, createPreKeyState, generateIdentityKeyPair } from '../src/identity/index.js';
import { EMPTY_RECORD, seal, sessionDecrypt, sessionEncrypt, startSession } from '../src/session/index.js';
import { paddedLength } from '../src/wire/index.js';
import { contentPayload, MIX } from './content-mix.js';

const random = systemRandom;

const alice = generateIdentityKeyPair(random);
const bob = generateIdentityKeyPair(random);
const preKeys = createPreKeyState({ identity: bob, now: Date.now(), random, oneTimePreKeys: 1, kemPreKeys: 1 });

/** Session messages for `payload`: the first on a fresh session (initial) and one on an established one. */
function sessionMessages(payload: Bytes): { initial: Bytes; ordinary: Bytes } {
  const started = startSession({ record: EMPTY_RECORD, identity: alice, bundle: buildPreKeyBundle(preKeys, bob.publicKey), random });
  const first = sessionEncrypt(started, payload, random);
  const atBob = sessionDecrypt({ record: EMPTY_RECORD, identity: bob, preKeys, peer: alice.publicKey, message: first.message, random });
  const reply = sessionEncrypt(atBob.record, utf8('reply'), random);
  const atAlice = sessionDecrypt({ record: first.record, identity: alice, preKeys, peer: bob.publicKey, message: reply.message, random });
  return { initial: first.message, ordinary: sessionEncrypt(atAlice.record, payload, random).message };
}

const sealed = (m: Bytes): number => seal({ identity: alice, recipientIdentityKey: bob.publicKey, content: m, random }).length;
/** The envelope without padding: sealed size less what padding added. */
const unpadded = (m: Bytes): number => sealed(m) - (paddedLength(m.length) - m.length);

const rows: string[] = ['| content | payload | envelope, unpadded | envelope, padded | overhead | initial, unpadded | initial, padded |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
let before = 0;
let after = 0;
for (const { name, body, share } of MIX) {
  const payload = contentPayload(body);
  const { initial, ordinary } = sessionMessages(payload);
  const [u, p] = [unpadded(ordinary), sealed(ordinary)];
  before += share * u;
  after += share * p;
  rows.push(`| ${name} | ${payload.length} | ${u} | ${p} | ${(((p - u) / u) * 100).toFixed(0)} % | ${unpadded(initial)} | ${sealed(initial)} |`);
}
console.log(rows.join('\n'));
console.log(`\nweighted mean envelope: ${before.toFixed(0)} B unpadded, ${after.toFixed(0)} B padded (+${(((after - before) / before) * 100).toFixed(1)} %)`);
