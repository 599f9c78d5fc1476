/**
 * The sender's per-message cost of a group message at 10, 100 and 1,000
 * members once the sender key is distributed (one ciphertext for everyone):
 * `npx tsx bench/group-send.ts [noble|node]`. Median of 5 runs of 500
 * messages after 200 warm-up messages. (`npm run bench` reports the cost
 * including the distribution of a fresh sender key.)
 */
import { useCryptoProvider, utf8 } from '../src/crypto/index.js';
import { groupEncrypt } from '../src/group/index.js';
import { createGroupBenchmarkFixture, seededRandom } from '../src/testing/index.js';
import { nodeCryptoProvider } from '../src/node/index.js';

const provider = process.argv[2] === 'node' ? 'node' : 'noble';
if (provider === 'node') useCryptoProvider(nodeCryptoProvider);
const plaintext = utf8('x'.repeat(100));

for (const members of [10, 100, 1000]) {
  let session = createGroupBenchmarkFixture({ members, random: seededRandom(new Uint8Array(32).fill(1)) }).sender;
  for (let i = 0; i < 200; i++) session = groupEncrypt(session, plaintext).session;
  const perMessage: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    for (let i = 0; i < 500; i++) session = groupEncrypt(session, plaintext).session;
    perMessage.push((performance.now() - start) / 500);
  }
  perMessage.sort((a, b) => a - b);
  const us = (ms: number | undefined) => `${((ms ?? 0) * 1000).toFixed(0)} µs`;
  console.log(`${provider}, ${members} members: ${us(perMessage[2])} per message (min ${us(perMessage[0])}, max ${us(perMessage[4])})`);
}
