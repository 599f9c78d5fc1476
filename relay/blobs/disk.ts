/**
 * Blobs as files under the relay's data directory (spec/relay.md §12.4):
 *
 *   <id>.json   metadata, replaced atomically (temp name, fsync, rename)
 *   <id>.part   a pending upload, appended to and fsynced at the end of each request
 *   <id>.blob   a complete blob: only ever a .part renamed after its length and digest checked
 *
 * So a final name never holds a half file. At start, list() repairs what a
 * crash between the steps of commit() left (metadata written, rename not).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobAppender, BlobMeta, BlobStore } from './types.js';

const ID = /^[0-9a-f]{32}$/;

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
  }

  async received(id: string): Promise<number> {
    return (await stat(this.#path(id, 'part'))).size;
  }

  async appender(id: string): Promise<BlobAppender> {
    const handle = await open(this.#path(id, 'part'), 'a');
    return {
      write: async (data) => { await handle.write(data); },
      close: async () => {
        try {
          await handle.sync();
          return (await handle.stat()).size;
        } finally {
          await handle.close();
        }
      },
    };
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
