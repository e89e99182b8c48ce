/** The part of m3u8-parser (video.js, no bundled types) the HLS tests use. */
declare module 'm3u8-parser' {
  export interface ParsedVariant {
    uri: string;
    attributes: {
      BANDWIDTH?: number;
      CODECS?: string;
      RESOLUTION?: { width: number; height: number };
    };
  }
  export class Parser {
    push(chunk: string): void;
    end(): void;
    manifest: { playlists?: ParsedVariant[] };
  }
}
