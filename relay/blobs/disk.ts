/**
 * Blobs as files under the relay's data directory (spec/relay.md §12.4):
 *
 *   <id>.json   metadata, replaced atomically (temp name, fsync, rename)
 *   <id>.part   a pending upload, appended to (write-behind, in batches) and fsynced at the end of each request
 *   <id>.blob   a complete blob: only ever a .part renamed after its length and digest checked
 *
 * So a final name never holds a half file. At start, list() repairs what a
 * crash between the steps of commit() left (metadata written, rename not).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobAppender, BlobMeta, BlobStore } from './types.js';

const ID = /^[0-9a-f]{32}$/;
/** An upload's bytes are written in batches of this much, one batch on its way to the disk while the next fills. */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** ...or of this many pieces (a body that arrives in tiny pieces), well under the kernel's IOV_MAX of 1024. */
const WRITE_BATCH_PIECES = 256;

export class DiskBlobStore implements BlobStore {
  readonly #dir: string;
  #ready: Promise<void> | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async list(): Promise<BlobMeta[]> {
    await this.#mkdir();
    const out: BlobMeta[] = [];
    for (const name of await readdir(this.#dir)) {
      const id = name.slice(0, -'.json'.length);
      if (!name.endsWith('.json') || !ID.test(id)) continue;
      const meta = await this.#readMeta(id);
      if (meta !== undefined && await this.#repair(meta)) out.push(meta);
    }
    return out;
  }

  async create(meta: BlobMeta): Promise<void> {
    await this.#mkdir();
    await writeFile(this.#path(meta.id, 'part'), new Uint8Array(0));
    await this.#writeMeta(meta);
    // The new names must survive a machine crash too: a PUT's fsync covers the .part's bytes, not its
    // directory entry, and an offset acknowledged is one the uploader can resume from after a restart.
    await this.#syncDir();
  }

  async received(id: string): Promise<number> {
    return (await stat(this.#path(id, 'part'))).size;
  }

  async appender(id: string): Promise<BlobAppender> {
    return new DiskAppender(await open(this.#path(id, 'part'), 'a'));
  }

  readPending(id: string): AsyncIterable<Uint8Array> {
    return createReadStream(this.#path(id, 'part'), { highWaterMark: 256 * 1024 });
  }

  async commit(meta: BlobMeta): Promise<void> {
    await this.#writeMeta(meta);
    await rename(this.#path(meta.id, 'part'), this.#path(meta.id, 'blob'));
    await this.#syncDir();
  }

  read(id: string, start: number, end: number): AsyncIterable<Uint8Array> {
    if (end <= start) return (async function* () { /* nothing */ })();
    return createReadStream(this.#path(id, 'blob'), { start, end: end - 1, highWaterMark: 256 * 1024 });
  }

  async delete(id: string): Promise<void> {
    await rm(this.#path(id, 'json'), { force: true });
    await Promise.all([rm(this.#path(id, 'part'), { force: true }), rm(this.#path(id, 'blob'), { force: true })]);
  }

  /** True if the blob is usable after a possible crash; otherwise its leftovers are removed. */
  async #repair(meta: BlobMeta): Promise<boolean> {
    const [part, blob] = await Promise.all([exists(this.#path(meta.id, 'part')), exists(this.#path(meta.id, 'blob'))]);
    if (meta.complete && !blob && part) await rename(this.#path(meta.id, 'part'), this.#path(meta.id, 'blob'));
    else if (meta.complete ? !blob : !part) {
      await this.delete(meta.id);
      return false;
    }
    return true;
  }

  async #readMeta(id: string): Promise<BlobMeta | undefined> {
    try {
      const m = JSON.parse(await readFile(this.#path(id, 'json'), 'utf8')) as BlobMeta;
      const ok = m.id === id && typeof m.owner === 'string' && Number.isSafeInteger(m.size) && typeof m.grantHash === 'string'
        && Number.isSafeInteger(m.expiresAt) && typeof m.complete === 'boolean';
      return ok ? m : undefined;
    } catch {
      return undefined;
    }
  }

  async #writeMeta(meta: BlobMeta): Promise<void> {
    const temp = `${this.#path(meta.id, 'json')}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(meta));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.#path(meta.id, 'json'));
  }

  async #syncDir(): Promise<void> {
    const handle = await open(this.#dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  #mkdir(): Promise<void> {
    return (this.#ready ??= mkdir(this.#dir, { recursive: true }).then(() => undefined));
  }

  #path(id: string, kind: 'json' | 'part' | 'blob'): string {
    if (!ID.test(id)) throw new Error('bad blob id');
    return join(this.#dir, `${id}.${kind}`);
  }
}

/**
 * Appends with write-behind: write() only queues the piece, and a full batch goes to the disk in one
 * writev while the caller reads (and hashes) the next, so the network, the hash and the disk overlap
 * instead of taking turns. At most two batches are held (~2 MiB per upload being written). A failed
 * write surfaces at the next write() or at close(); close() is what makes the bytes durable.
 */
class DiskAppender implements BlobAppender {
  readonly #handle: FileHandle;
  #batch: Uint8Array[] = [];
  #batchBytes = 0;
  #writing: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  async write(data: Uint8Array): Promise<void> {
    this.#batch.push(data);
    this.#batchBytes += data.length;
    if (this.#batchBytes >= WRITE_BATCH_BYTES || this.#batch.length >= WRITE_BATCH_PIECES) await this.#flush();
  }

  async close(): Promise<number> {
    try {
      await this.#flush();
      await this.#settled();
      await this.#handle.sync();
      return (await this.#handle.stat()).size;
    } finally {
      await this.#writing;
      await this.#handle.close();
    }
  }

  /** Waits for the batch on its way to the disk, then sends the one filled meanwhile. */
  async #flush(): Promise<void> {
    await this.#settled();
    if (this.#batchBytes === 0) return;
    const batch = this.#batch;
    const expected = this.#batchBytes;
    this.#batch = [];
    this.#batchBytes = 0;
    // Caught here, rethrown by #settled(): a rejection nobody awaits yet must not crash the relay.
    this.#writing = this.#handle.writev(batch).then(
      ({ bytesWritten }) => { if (bytesWritten !== expected) throw new Error('short write'); },
    ).catch((error: unknown) => { this.#failure ??= { error }; });
  }

  async #settled(): Promise<void> {
    await this.#writing;
    if (this.#failure !== undefined) throw this.#failure.error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
