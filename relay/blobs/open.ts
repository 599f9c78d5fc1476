/** The blob service the relay's options call for: files under dataDir/blobs, else in memory (spec/relay.md §12.4). */
import { join } from 'node:path';
import type { RelayOptions } from '../config.js';
import { DiskBlobStore } from './disk.js';
import { MemoryBlobStore } from './memory.js';
import { BlobService } from './service.js';

export function openBlobService(options: RelayOptions): Promise<BlobService> {
  const store = options.dataDir !== undefined ? new DiskBlobStore(join(options.dataDir, 'blobs')) : new MemoryBlobStore();
  return BlobService.open(store, { limits: options.limits, ttlSeconds: options.blobTtlSeconds, now: options.now, random: options.random });
}
