/**
 * Blobs as files under the relay's data directory (spec/relay.md §12.4):
 *
 *   <id>.json   metadata, replaced atomically (temp name <id>.json.tmp, fsync, rename)
 *   <id>.part   a pending upload, appended to (write-behind, in batches) and fsynced at the end of each request
 *   <id>.blob   a complete blob: only ever a .part renamed after its length and digest checked
 *
 * So a final name never holds a half file. A grant writes nothing: the first
 * request that makes bytes of the upload durable writes its metadata too (the
 * .part's fsync and the metadata's run side by side, then one directory fsync),
 * and the request that completes it stages the complete metadata beside the
 * .part's fsync, then renames both and fsyncs the directory once. At start,
 * list() repairs what a crash between those steps left and deletes files no
 * metadata names (a grant whose first request never finished).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobAppender, BlobMeta, BlobStore, StagedBlob } from './types.js';

const ID = /^[0-9a-f]{32}$/;
/** An upload's bytes are written in batches of this much, one batch on its way to the disk while the next fills. */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** ...or of this many pieces (a body that arrives in tiny pieces), well under the kernel's IOV_MAX of 1024. */
const WRITE_BATCH_PIECES = 256;

type Kind = 'json' | 'json.tmp' | 'part' | 'blob';

export class DiskBlobStore implements BlobStore {
  readonly #dir: string;
  #ready: Promise<void> | undefined;
  /** Grants whose metadata is not on disk yet: a grant is only a promise until its first request is durable. */
  readonly #granted = new Map<string, BlobMeta>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  async list(): Promise<BlobMeta[]> {
    await this.#mkdir();
    const names = await readdir(this.#dir);
    const out: BlobMeta[] = [];
    for (const name of names) {
      const id = name.slice(0, -'.json'.length);
      if (!name.endsWith('.json') || !ID.test(id)) continue;
      const meta = await this.#readMeta(id);
      if (meta === undefined) await this.delete(id);
      else if (await this.#repair(meta)) out.push(meta);
    }
    // Leftovers no metadata names: a .part whose grant was never durable, a temp file a crash interrupted.
    const kept = new Set(out.map((m) => m.id));
    for (const name of names) {
      const id = name.slice(0, 32);
      if (ID.test(id) && (!kept.has(id) || name.endsWith('.tmp'))) await rm(join(this.#dir, name), { force: true });
    }
    return out;
  }

  async create(meta: BlobMeta): Promise<void> {
    await this.#mkdir();
    this.#granted.set(meta.id, meta);
  }

  async received(id: string): Promise<number> {
    // A grant not yet durable holds nothing durably, whatever a failed first request left in its .part.
    return this.#granted.has(id) ? 0 : (await stat(this.#path(id, 'part'))).size;
  }

  async appender(id: string): Promise<BlobAppender> {
    const granted = this.#granted.get(id);
    // Not yet durable: the .part is started afresh (truncated), as its received() is 0.
    const writer = new BatchWriter(await open(this.#path(id, 'part'), granted === undefined ? 'a' : 'w'));
    return {
      write: (data) => writer.write(data),
      close: async () => {
        if (granted === undefined) return writer.close();
        const [length] = await settled(writer.close(), this.#writeTemp(granted));
        await rename(this.#path(id, 'json.tmp'), this.#path(id, 'json'));
        await this.#syncDir(); // the .part's and the .json's names survive a machine crash: the offset answered is durable
        this.#granted.delete(id);
        return length;
      },
      stage: async (done) => {
        const [length] = await settled(writer.close(), this.#writeTemp(done));
        return { length, publish: () => this.#publish(id) } satisfies StagedBlob;
      },
    };
  }

  readPending(id: string): AsyncIterable<Uint8Array> {
    return createReadStream(this.#path(id, 'part'), { highWaterMark: 256 * 1024 });
  }

  read(id: string, start: number, end: number): AsyncIterable<Uint8Array> {
    if (end <= start) return (async function* () { /* nothing */ })();
    return createReadStream(this.#path(id, 'blob'), { start, end: end - 1, highWaterMark: 256 * 1024 });
  }

  async delete(id: string): Promise<void> {
    this.#granted.delete(id);
    await rm(this.#path(id, 'json'), { force: true });
    await Promise.all((['json.tmp', 'part', 'blob'] as const).map((kind) => rm(this.#path(id, kind), { force: true })));
  }

  /**
   * The staged metadata (complete) takes its final name first, then the .part becomes the .blob, then one
   * directory fsync: a crash in between leaves complete metadata beside a whole, checked .part, which
   * list() renames; never a .blob from a .part not checked.
   */
  async #publish(id: string): Promise<void> {
    await rename(this.#path(id, 'json.tmp'), this.#path(id, 'json'));
    await rename(this.#path(id, 'part'), this.#path(id, 'blob'));
    await this.#syncDir();
    this.#granted.delete(id);
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

  /** `meta` under the temp name, fsynced: renamed into place by the caller. */
  async #writeTemp(meta: BlobMeta): Promise<void> {
    const handle = await open(this.#path(meta.id, 'json.tmp'), 'w');
    try {
      await handle.writeFile(JSON.stringify(meta));
      await handle.sync();
    } finally {
      await handle.close();
    }
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

  #path(id: string, kind: Kind): string {
    if (!ID.test(id)) throw new Error('bad blob id');
    return join(this.#dir, `${id}.${kind}`);
  }
}

/**
 * Appends with write-behind: write() only queues the piece, and a full batch goes to the disk in one
 * writev while the caller reads (and hashes) the next, so the network, the hash and the disk overlap
 * instead of taking turns. At most two batches are held (~2 MiB per upload being written). A failed
 * write surfaces at the next write() or at close(); close() is what makes the bytes durable (the
 * file's, not its name's: that is the directory's fsync) and returns the file's length.
 */
class BatchWriter {
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

/**
 * Both results once both have ended, or the first failure. Not Promise.all: a write still running after
 * the request failed could land on a temp file that the upload's next request is writing.
 */
async function settled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
