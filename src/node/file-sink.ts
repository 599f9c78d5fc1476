/**
 * A Node Writable as a download's FileSink (src/client/files/sink.ts): writes
 * wait for 'drain' when the stream is full (backpressure), close ends it and
 * waits for 'finish', abort destroys it with the error.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { FileSink } from '../client/files/index.js';

export function nodeWritableSink(writable: Writable): FileSink {
  return {
    write: async (data) => {
      if (!writable.write(data)) await once(writable, 'drain');
    },
    close: async () => {
      const finished = once(writable, 'finish');
      writable.end();
      await finished;
    },
    abort: async (reason) => {
      writable.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    },
  };
}
