/** nodeWritableSink: an aborted or failing file stream rejects the download; it never crashes the process with an unhandled 'error'. */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeWritableSink } from '../../../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nodeWritableSink', () => {
  it('writes and closes; abort destroys the stream without an unhandled error; a failing stream rejects writes', async () => {
    const path = join(dir, 'ok.bin');
    const good = nodeWritableSink(createWriteStream(path));
    await good.write(new Uint8Array([1, 2]));
    await good.write(new Uint8Array([3]));
    await good.close();
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);

    const stream = createWriteStream(join(dir, 'aborted.bin'));
    const aborted = nodeWritableSink(stream);
    await aborted.write(new Uint8Array([1]));
    await aborted.abort(new Error('tampered'));
    await new Promise<void>((resolve) => stream.once('close', () => resolve()));
    expect(stream.destroyed).toBe(true);

    const failing = nodeWritableSink(createWriteStream(join(dir, 'missing', 'x.bin')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(failing.write(new Uint8Array([1]))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
