/** Blobs in memory: for the relay's memory store (tests, demos), gone at restart. */
import type { BlobAppender, BlobMeta, BlobStore } from './types.js';

interface Entry {
  meta: BlobMeta;
  parts: Uint8Array[];
  length: number;
}

export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, Entry>();

  async list(): Promise<BlobMeta[]> {
    return [...this.#blobs.values()].map((e) => e.meta);
  }

  async create(meta: BlobMeta): Promise<void> {
    this.#blobs.set(meta.id, { meta, parts: [], length: 0 });
  }

  async received(id: string): Promise<number> {
    return this.#entry(id).length;
  }

  async appender(id: string): Promise<BlobAppender> {
    const entry = this.#entry(id);
    return {
      write: async (data) => {
        entry.parts.push(Uint8Array.from(data));
        entry.length += data.length;
      },
      close: async () => entry.length,
      stage: async (done) => ({ length: entry.length, publish: async () => { entry.meta = done; } }),
    };
  }

  async *readPending(id: string): AsyncIterable<Uint8Array> {
    yield* this.#entry(id).parts;
  }

  async *read(id: string, start: number, end: number): AsyncIterable<Uint8Array> {
    let at = 0;
    for (const part of this.#entry(id).parts) {
      const from = Math.max(start - at, 0);
      const to = Math.min(end - at, part.length);
      if (from < to) yield part.subarray(from, to);
      at += part.length;
      if (at >= end) return;
    }
  }

  async delete(id: string): Promise<void> {
    this.#blobs.delete(id);
  }

  #entry(id: string): Entry {
    const entry = this.#blobs.get(id);
    if (entry === undefined) throw new Error('unknown blob');
    return entry;
  }
}
