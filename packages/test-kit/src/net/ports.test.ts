import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePort, waitForListener } from './ports';

describe('freePort', () => {
  it('hands out a port a server can then bind on 127.0.0.1', async () => {
    const port = await freePort();
    const server = createServer();
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    assert.equal((server.address() as { port: number }).port, port);
    server.close();
    await once(server, 'close');
  });
});

describe('waitForListener', () => {
  it('resolves once the port is in LISTEN state, without connecting to it', async () => {
    const server = createServer();
    let connections = 0;
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    await waitForListener((server.address() as { port: number }).port);
    assert.equal(connections, 0);
    server.close();
    await once(server, 'close');
  });
});
