import type { IncomingMessage, ServerResponse } from 'node:http';

/** Browsers may cache a preflight answer this long (Chromium caps it at 2 h). */
const PREFLIGHT_MAX_AGE_S = 7200;

/**
 * Playback URLs (live and on demand) are read by players on any origin: every answer allows it, and a
 * CORS preflight (OPTIONS) is answered here. True when the request was a preflight and has been answered.
 */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('access-control-allow-origin', '*');
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, HEAD, OPTIONS',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
  });
  res.end();
  return true;
}
