import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { killAndWait } from '../peers/peer-processes';
import { withDeadline } from '../wait/until';
import { createNetnsLab, type NetnsLab, netnsUnavailable } from './netns';

/** Connects to host:port from the root namespace; resolves true on connect, false on error or after `ms`. */
function reaches(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const skip = netnsUnavailable();

describe('createNetnsLab', { skip }, () => {
  let lab: NetnsLab | undefined;
  after(() => lab?.close());

  it('gives each host its own address, reachable from the root namespace until its link is cut', async () => {
    lab = createNetnsLab(2);
    const [a, b] = lab.hosts;
    assert.ok(a && b);
    assert.notEqual(a.ip, b.ip);
    // A TCP server inside host a, listening on the host's own address only.
    const script = `require('net').createServer((s)=>{s.on('error',()=>{});s.end('hi')}).listen(7070, '${a.ip}', ()=>console.log('up'))`;
    const server = spawn(a.prefix[0] as string, [...a.prefix.slice(1), process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await withDeadline(once(server.stdout, 'data'), 'the server in the namespace listening', 5000);
      assert.equal(await reaches(a.ip, 7070, 2000), true, 'reachable over the bridge');
      lab.cut(a);
      assert.equal(await reaches(a.ip, 7070, 700), false, 'unreachable with its link down');
      lab.restore(a);
      assert.equal(await reaches(a.ip, 7070, 3000), true, 'reachable again once restored');
      // A block cuts one path only: b no longer reaches a, the root namespace still does.
      const fromB = (ms: number) =>
        new Promise<string>((resolve) => {
          const probe = `const s=require('net').connect(7070,'${a.ip}');s.on('connect',()=>{console.log('ok');process.exit(0)});s.on('error',()=>{console.log('error');process.exit(0)});setTimeout(()=>{console.log('timeout');process.exit(0)},${ms})`;
          const child = spawn(b.prefix[0] as string, [...b.prefix.slice(1), process.execPath, '-e', probe], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
          });
          child.once('exit', () => resolve(out.trim()));
        });
      assert.equal(await fromB(2000), 'ok', 'b reaches a');
      lab.block(b, a.ip);
      assert.notEqual(await fromB(700), 'ok', 'b does not reach a while blocked');
      assert.equal(await reaches(a.ip, 7070, 2000), true, 'the root namespace still reaches a');
      lab.unblock(b, a.ip);
      assert.equal(await fromB(2000), 'ok', 'b reaches a again');
    } finally {
      await killAndWait(server);
    }
  });

  it('removes its namespaces on close', () => {
    assert.ok(lab);
    const names = lab.hosts.map((h) => h.name);
    lab.close();
    const listed = execFileSync('/usr/sbin/ip', ['netns', 'list']).toString();
    for (const name of names) assert.ok(!listed.includes(name), `${name} is gone`);
    lab = undefined;
  });
});
