// Parses a media playlist with m3u8-parser (the parser videojs/VHS plays with) and collects its
// warnings: a playlist is valid for the tests when it parses with none.
import { type ParsedManifest, Parser } from 'm3u8-parser';

export function parsePlaylist(text: string): { manifest: ParsedManifest; warnings: string[] } {
  const parser = new Parser();
  const warnings: string[] = [];
  parser.on('warn', (event) => warnings.push(event.message));
  parser.push(text);
  parser.end();
  return { manifest: parser.manifest, warnings };
}
