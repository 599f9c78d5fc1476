/**
 * Where a download writes: a FileSink, or a web WritableStream adapted to one
 * (Node Writables: nodeWritableSink in parley/node). The download awaits each
 * write before reading on, so a slow sink slows the download instead of
 * filling memory. A failed download aborts the sink with its error: that is
 * how the output is marked incomplete.
 */
export interface FileSink {
  write(data: Uint8Array): Promise<void>;
  /** The file is complete and verified. */
  close(): Promise<void>;
  /** The file is incomplete: `reason` says why. */
  abort(reason: unknown): Promise<void>;
}

export function writableStreamSink(stream: WritableStream<Uint8Array>): FileSink {
  const writer = stream.getWriter();
  return {
    write: async (data) => {
      await writer.ready;
      await writer.write(data);
    },
    close: () => writer.close(),
    abort: (reason) => writer.abort(reason),
  };
}

export function isFileSink(x: unknown): x is FileSink {
  const s = x as Partial<FileSink> | undefined;
  return typeof s?.write === 'function' && typeof s.close === 'function' && typeof s.abort === 'function';
}
