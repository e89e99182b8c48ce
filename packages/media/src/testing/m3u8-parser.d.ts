// Types for the part of m3u8-parser (videojs, pure JS, no bundled types) the tests use.
declare module 'm3u8-parser' {
  export interface ParsedPart {
    uri: string;
    duration: number;
    independent?: boolean;
  }
  export interface ParsedSegment {
    uri: string;
    duration: number;
    timeline: number;
    discontinuity?: boolean;
    map?: { uri: string };
    parts?: ParsedPart[];
  }
  export interface ParsedManifest {
    segments: ParsedSegment[];
    targetDuration?: number;
    mediaSequence?: number;
    discontinuitySequence?: number;
    endList?: boolean;
    partTargetDuration?: number;
    serverControl?: { canBlockReload?: boolean; partHoldBack?: number };
    preloadSegment?: { parts?: ParsedPart[]; preloadHints?: { type: string; uri: string }[] };
  }
  export class Parser {
    manifest: ParsedManifest;
    on(event: 'warn' | 'info', listener: (event: { message: string }) => void): void;
    push(chunk: string): void;
    end(): void;
  }
}
