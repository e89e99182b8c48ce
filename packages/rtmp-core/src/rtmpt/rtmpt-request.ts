/**
 * RTMPT request lines (RTMP tunnelled through HTTP POSTs, as Flash Player, librtmp and FFmpeg send them):
 *
 *   POST /fcs/ident2            probe before open; FMS and Wowza answer 404 and Flash goes on to open
 *   POST /open/1                answer: a session id and "\n"
 *   POST /send/<id>/<seq>       body: RTMP bytes from the client; answer: interval byte + bytes for it
 *   POST /idle/<id>/<seq>       body: one padding byte; answer: interval byte + bytes for it
 *   POST /close/<id>/<seq>      body: one padding byte; the session ends
 *
 * Pure: no I/O. Anything that is not exactly one of these shapes is `undefined` (the caller answers 404).
 */

export type RtmptCommand = 'ident' | 'open' | 'send' | 'idle' | 'close';

export interface RtmptRequestLine {
  readonly command: RtmptCommand;
  /** Absent for ident and open. */
  readonly sessionId?: string;
  /** Absent for ident and open, and for a close that names none (some mobile encoders send /close/<id>). */
  readonly seq?: number;
}

/** Session ids this server hands out are 32 hex digits; ids of another shape are never ours. */
export const RTMPT_SESSION_ID = /^[0-9a-f]{32}$/;
/** Sequence numbers are decimal; 10 digits (up to 2^32 - 1) are more than any session lives to send. */
const SEQ = /^[0-9]{1,10}$/;
const MAX_SEQ = 0xffff_ffff;
/** The longest path that can be valid: `/close/` + 32-digit id + `/` + 10 digits. */
const MAX_PATH = 64;

/** Every path prefix RTMPT uses, for routing on a shared HTTP port. */
export const RTMPT_PATH_PREFIXES: readonly string[] = ['/fcs/', '/open/', '/send/', '/idle/', '/close/'];

/** True when `path` belongs to RTMPT (even if malformed: the RTMPT handler then answers it). */
export function isRtmptPath(path: string): boolean {
  for (const p of RTMPT_PATH_PREFIXES) if (path.startsWith(p)) return true;
  return false;
}

/** Parses the path of an RTMPT request (no query string; the caller strips it). */
export function parseRtmptPath(path: string): RtmptRequestLine | undefined {
  if (path.length > MAX_PATH) return undefined;
  if (path === '/fcs/ident2') return { command: 'ident' };
  if (path === '/open/1') return { command: 'open' };
  const parts = path.split('/');
  // ['', command, id, seq?]
  if (parts.length < 3 || parts.length > 4 || parts[0] !== '') return undefined;
  const command = parts[1];
  if (command !== 'send' && command !== 'idle' && command !== 'close') return undefined;
  const sessionId = parts[2]!;
  if (!RTMPT_SESSION_ID.test(sessionId)) return undefined;
  if (parts.length === 3) return command === 'close' ? { command, sessionId } : undefined;
  const seqText = parts[3]!;
  if (!SEQ.test(seqText)) return undefined;
  const seq = Number(seqText);
  if (seq > MAX_SEQ) return undefined;
  return { command, sessionId, seq };
}
