/**
 * A RestoreGuard kept in a small file (spec/client.md §5.7): the store's
 * generation, written before each batch of session state commits. The file
 * must live OUTSIDE what backups copy with the store — a backup that restores
 * it too restores the evidence with the state. Written to a temporary file,
 * synced, then renamed over the old one, so a crash leaves the old or the new
 * generation, never a torn one.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { StoreError, type RestoreGuard } from '../store/index.js';

export class FileRestoreGuard implements RestoreGuard {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  async read(): Promise<number> {
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    if (!/^\d{1,15}\n$/.test(text)) throw new StoreError('CORRUPT', 'the restore guard file does not hold a generation');
    return Number(text.trim());
  }

  async write(generation: number): Promise<void> {
    const temporary = `${this.#path}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, `${generation}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.#path);
  }
}
