/**
 * A Node Writable as a download's FileSink (src/client/files/sink.ts): writes
 * wait for 'drain' when the stream is full (backpressure), close ends it and
 * waits for 'finish', abort destroys it with the error. The sink listens for
 * the stream's 'error' itself, so a failing disk or an abort rejects the
 * download instead of crashing the process with an unhandled 'error' event.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { FileSink } from '../client/files/index.js';

export function nodeWritableSink(writable: Writable): FileSink {
  let failure: Error | undefined;
  writable.on('error', (e: Error) => { failure ??= e; });
  const check = (): void => {
    if (failure !== undefined) throw failure;
  };
  return {
    write: async (data) => {
      check();
      if (!writable.write(data)) await once(writable, 'drain');
      check();
    },
    close: async () => {
      check();
      const finished = once(writable, 'finish');
      writable.end();
      await finished;
    },
    abort: async (reason) => {
      writable.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    },
  };
}
