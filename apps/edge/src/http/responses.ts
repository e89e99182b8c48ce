import type { ServerResponse } from 'node:http';

/** A JSON body (the contracts error envelope, or a probe answer); never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
