// A minimal HTTP front for a LiveSegmenter, as the edge will have one: token check on every request,
// blocking playlist reload (_HLS_msn/_HLS_part), preload-hinted parts, plus a player page with hls.js.
// Test-only: the package itself does no I/O.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MuxError, MuxErrorCode } from '../../src/errors';
import { HLS_CONTENT_TYPES, type LiveSegmenter } from '../../src/hls/live-segmenter';
import { tokenDecorator } from '../../src/hls/playlist';

export interface HlsTestServer {
  readonly url: string;
  /** Requests under /live/ that came without the right token. */
  readonly refused: string[];
  /** Playlist requests with _HLS_msn, and requests for parts. */
  readonly counts: { blockingReloads: number; parts: number };
  close(): Promise<void>;
}

const PLAYER_PAGE = `<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/hls.js"></script><script>
const video = document.getElementById('v');
window.fatal = null;
const hls = new Hls({ lowLatencyMode: true });
hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) window.fatal = data.type + ':' + data.details; });
hls.loadSource('/live/index.m3u8?token=' + new URLSearchParams(location.search).get('token'));
hls.attachMedia(video);
video.play().catch(() => {});
</script></body></html>`;

export async function startHlsServer(segmenter: LiveSegmenter, token: string): Promise<HlsTestServer> {
  const hlsJs = await readFile(require.resolve('hls.js/dist/hls.min.js'));
  const refused: string[] = [];
  const counts = { blockingReloads: 0, parts: 0 };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const aborted = new AbortController();
    res.on('close', () => aborted.abort());
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' }).end(body);
    };
    if (url.pathname === '/player.html') return send(200, 'text/html', PLAYER_PAGE);
    if (url.pathname === '/hls.js') return send(200, 'text/javascript', hlsJs);
    if (!url.pathname.startsWith('/live/')) return send(404, 'text/plain', 'not found');
    if (url.searchParams.get('token') !== token) {
      refused.push(url.pathname);
      return send(
        403,
        'application/json',
        JSON.stringify({ error: { code: 'FORBIDDEN', message: 'bad token' } }),
      );
    }
    const name = url.pathname.slice('/live/'.length);
    void (async () => {
      try {
        if (name === 'index.m3u8') {
          const msn = url.searchParams.get('_HLS_msn');
          const part = url.searchParams.get('_HLS_part');
          if (msn !== null) counts.blockingReloads++;
          if (msn !== null)
            await segmenter.waitFor(Number(msn), part === null ? undefined : Number(part), aborted.signal);
          return send(200, HLS_CONTENT_TYPES.playlist, segmenter.playlist(tokenDecorator(token)));
        }
        if (name.startsWith('part-')) counts.parts++;
        const resource = await segmenter.fetch(name, aborted.signal);
        if (resource === undefined) return send(404, 'text/plain', 'gone');
        send(200, resource.contentType, resource.data);
      } catch (error) {
        if (!(error instanceof MuxError)) throw error;
        if (error.code !== MuxErrorCode.Aborted) send(400, 'text/plain', error.message);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
