import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { EdgeApiPaths } from '@tributary/contracts';
import { ApiClient, ControlPlaneError } from '../control-plane/api-client';

// The edge's range reads of asset files (ApiClient.assetRange) against an api that answers wrongly:
// the edge takes only a 206 for the start it asked for, never more bytes than it asked for.

let server: Server;
let answer: (req: IncomingMessage, res: ServerResponse) => void;
let client: ApiClient;
const file = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));

before(async () => {
  server = createServer((req, res) => answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new ApiClient({
    baseUrl: `http://127.0.0.1:${port}`,
    token: 'edge-credential',
    timeoutMs: 1000,
    maxResponseBytes: 1024,
  });
});
after(() => {
  client.close();
  server.close();
});

/** An honest api: the asked range of `file`. */
function honest(req: IncomingMessage, res: ServerResponse): void {
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  assert.ok(m);
  const start = Number(m[1]);
  const end = Math.min(file.length, Number(m[2]) + 1);
  res.writeHead(206, { 'content-range': `bytes ${start}-${end - 1}/${file.length}` });
  res.end(file.subarray(start, end));
}

test('asks for one range with its credential and returns exactly those bytes', async () => {
  let seen: IncomingMessage | undefined;
  answer = (req, res) => {
    seen = req;
    honest(req, res);
  };
  // Larger than maxResponseBytes (a JSON bound): range reads are bounded by what they ask for instead.
  assert.deepEqual(await client.assetRange('pb1', 100, 2000), file.subarray(100, 2100));
  assert.equal(seen?.url, EdgeApiPaths.assetSource('pb1'));
  assert.equal(seen?.headers.range, 'bytes=100-2099');
  assert.equal(seen?.headers.authorization, 'Bearer edge-credential');
  assert.deepEqual(await client.assetRange('pb1', 4000, 500), file.subarray(4000), 'short at the end');
});

test('a wrong status, another start, a longer body or silence is a ControlPlaneError', async () => {
  const cases: Array<[string, (req: IncomingMessage, res: ServerResponse) => void, string]> = [
    ['404', (_q, res) => res.writeHead(404).end('{}'), 'http_status'],
    ['200 with the whole file', (_q, res) => res.writeHead(200).end(file), 'http_status'],
    [
      'another start',
      (_q, res) =>
        res.writeHead(206, { 'content-range': `bytes 0-99/${file.length}` }).end(file.subarray(0, 100)),
      'invalid_response',
    ],
    ['no content-range', (_q, res) => res.writeHead(206).end(file.subarray(100, 200)), 'invalid_response'],
    [
      'more than asked',
      (_q, res) =>
        res.writeHead(206, { 'content-range': `bytes 100-199/${file.length}` }).end(file.subarray(100, 400)),
      'too_large',
    ],
    ['silence', () => {}, 'timeout'],
  ];
  for (const [what, reply, failure] of cases) {
    answer = reply;
    await assert.rejects(
      client.assetRange('pb1', 100, 100),
      (err: unknown) => err instanceof ControlPlaneError && err.failure === failure,
      what,
    );
  }
});
