/** The blob service the relay's options call for: files under dataDir/blobs, else in memory (spec/relay.md §12.4). */
import { join } from 'node:path';
import type { RelayOptions } from '../config.js';
import { DiskBlobStore } from './disk.js';
import { MemoryBlobStore } from './memory.js';
import { HashThread } from './hash-thread.js';
import { BlobService } from './service.js';

export function openBlobService(options: RelayOptions): Promise<BlobService> {
  const onDisk = options.dataDir !== undefined;
  const store = onDisk ? new DiskBlobStore(join(options.dataDir, 'blobs')) : new MemoryBlobStore();
  return BlobService.open(store, {
    limits: options.limits, ttlSeconds: options.blobTtlSeconds, now: options.now, random: options.random,
    // Uploads to disk are hashed in a thread of their own (§12.4); the in-memory store hashes inline.
    ...(onDisk && { hashThread: new HashThread() }),
  });
}
