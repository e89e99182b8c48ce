// busboy 1.x ships no types; the part of its API the asset upload uses.
declare module 'busboy' {
  import type { IncomingHttpHeaders } from 'node:http';
  import type { Readable, Writable } from 'node:stream';

  namespace busboy {
    interface Limits {
      fieldNameSize?: number;
      fieldSize?: number;
      fields?: number;
      fileSize?: number;
      files?: number;
      parts?: number;
      headerPairs?: number;
    }
    interface Config {
      headers: IncomingHttpHeaders;
      limits?: Limits;
    }
    interface FileInfo {
      filename: string | undefined;
      encoding: string;
      mimeType: string;
    }
    interface Busboy extends Writable {
      on(
        event: 'file',
        listener: (name: string, stream: Readable & { truncated?: boolean }, info: FileInfo) => void,
      ): this;
      on(event: 'field', listener: (name: string, value: string) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
      once(event: 'close', listener: () => void): this;
      once(event: 'error', listener: (err: Error) => void): this;
      once(event: string, listener: (...args: unknown[]) => void): this;
    }
  }
  function busboy(config: busboy.Config): busboy.Busboy;
  export = busboy;
}
