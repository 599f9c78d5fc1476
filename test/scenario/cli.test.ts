/**
 * `npx parley chat` driven by a scripted stdin, two processes against a real
 * relay process: invite, accept, send both ways, quit cleanly.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatProcess, type Chat } from './chat-process.js';
import { startRelayProcess, tempDir, type RelayProcess } from './helpers.js';

const tmp = tempDir('parley-cli-');
let relay: RelayProcess;

beforeAll(async () => {
  relay = await startRelayProcess(join(tmp.dir, 'relay'));
}, 30_000);

afterAll(async () => {
  await relay?.stop();
  tmp.remove();
});

const chat = (profile: string, relayUrl = relay.url): Chat => chatProcess(relayUrl, tmp.dir, profile);

describe('parley chat (scripted stdin)', () => {
  it('invites, accepts, chats both ways and quits', async () => {
    const alice = chat('alice');
    const bob = chat('bob');
    await Promise.all([alice.waitFor(/^\* ready as alice$/), bob.waitFor(/^\* ready as bob$/)]);
    alice.type('/invite');
    const [, invite] = await alice.waitFor(/^invite: (parley:\S+)$/);
    bob.type(`/accept ${invite ?? ''}`);
    await bob.waitFor(/^\* alice added as a contact$/);
    await alice.waitFor(/^\* bob added as a contact$/);
    bob.type('/msg alice hello from bob');
    await alice.waitFor(/^bob: hello from bob$/);
    alice.type('/to bob');
    alice.type('hi bob, this is alice');
    await bob.waitFor(/^alice: hi bob, this is alice$/);
    alice.type('/safety bob');
    bob.type('/safety alice');
    const [[, a], [, b]] = await Promise.all([alice.waitFor(/^safety number with bob: (\d+)$/), bob.waitFor(/^safety number with alice: (\d+)$/)]);
    expect(a).toBe(b);
    alice.type('/nonsense');
    await alice.waitFor(/^error: unknown command/);
    alice.type('/quit');
    bob.type('/quit');
    expect(await alice.exit).toBe(0);
    expect(await bob.exit).toBe(0);
  }, 60_000);

  it('sends a file with /file and a progress bar; /save writes it only once verified; /stickerpack and /sticker send a sticker', async () => {
    const alice = chat('alice-files');
    const bob = chat('bob-files');
    await Promise.all([alice.waitFor(/^\* ready as alice-files$/), bob.waitFor(/^\* ready as bob-files$/)]);
    alice.type('/invite');
    const [, invite] = await alice.waitFor(/^invite: (parley:\S+)$/);
    bob.type(`/accept ${invite ?? ''}`);
    await alice.waitFor(/^\* bob-files added as a contact$/);
    const data = randomBytes(300_000);
    const source = join(tmp.dir, 'photo.png');
    writeFileSync(source, data);
    alice.type(`/file bob-files ${source}`);
    await alice.waitFor(/^\[#{20}\] 100%$/);
    await alice.waitFor(/^> sent photo\.png \(300000 bytes\)$/);
    await bob.waitFor(/^alice-files: \[attachment image\/png, 300000 bytes: photo\.png\] \(\/save 1\)$/);
    const saved = join(tmp.dir, 'saved.png');
    bob.type(`/save 1 ${saved}`);
    await bob.waitFor(/^\* saved .*saved\.png \(300000 bytes, verified\)$/);
    expect(readFileSync(saved).equals(data)).toBe(true);
    expect(existsSync(`${saved}.part`)).toBe(false);
    bob.type('/save 2');
    await bob.waitFor(/^error: no attachment 2/);
    const sticker = join(tmp.dir, 'wave.webp');
    writeFileSync(sticker, randomBytes(5000));
    alice.type(`/stickerpack waves ${sticker} ${source}`);
    await alice.waitFor(/^\* sticker pack waves: 2 stickers/);
    alice.type('/sticker bob-files 2');
    await bob.waitFor(/^\* sticker 😀: image\/png, 300000 bytes$/);
    alice.type('/quit');
    bob.type('/quit');
    expect(await alice.exit).toBe(0);
    expect(await bob.exit).toBe(0);
  }, 60_000);

  it('says why it cannot connect: a relay URL where nothing listens shows "connection refused"', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve)); // a port that was free a moment ago
    const lost = chat('nowhere', `ws://127.0.0.1:${port}`);
    await lost.waitFor(/^\* disconnected: connection refused.*\(retrying in \d+ ms\)$/);
    lost.kill();
    await lost.exit;
  }, 60_000);
});
