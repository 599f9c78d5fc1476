/**
 * Random operations across 3–4 clients on a real relay process: send, go
 * offline, come back, restart from the durable store, lose the network. After
 * each run every message has reached its intended recipient exactly once and
 * nobody else.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startRelayProcess, tempDir, type RelayProcess } from './helpers.js';
import { randomOpsProperty } from './random-ops-property.js';

const tmp = tempDir('parley-random-');
let relay: RelayProcess;

beforeAll(async () => {
  relay = await startRelayProcess(join(tmp.dir, 'relay'));
}, 30_000);

afterAll(async () => {
  await relay?.stop();
  tmp.remove();
});

describe('random operations across clients (property)', () => {
  it('every message reaches every intended recipient exactly once and nobody else', async () => {
    await randomOpsProperty(() => relay.url, tmp.dir);
  }, 90_000);
});
