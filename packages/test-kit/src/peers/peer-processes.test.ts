import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { PeerProcesses, run } from './peer-processes';

const node = process.execPath;

describe('run', () => {
  it('collects stdout, stderr and the exit code', async () => {
    const result = await run(node, [
      '-e',
      'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)',
    ]);
    assert.deepEqual(result, { code: 3, stdout: 'out', stderr: 'err' });
  });

  it('closes stdin, so a peer reading it sees end of input', async () => {
    const result = await run(node, ['-e', 'process.stdin.resume().on("end", () => console.log("eof"))']);
    assert.equal(result.stdout, 'eof\n');
  });

  it('resolves with the error instead of rejecting when the program does not exist', async () => {
    const result = await run('tributary-no-such-program', []);
    assert.equal(result.code, null);
    assert.match(result.stderr, /ENOENT/);
  });
});

describe('PeerProcesses', () => {
  const peers = new PeerProcesses();
  after(() => peers.stopAll());

  it('pipes the given input into the peer', async () => {
    const echo = 'process.stdin.pipe(process.stdout)';
    const result = await peers.run(node, ['-e', echo], Readable.from([Buffer.from('flv bytes')]));
    assert.equal(result.stdout, 'flv bytes');
  });

  it('stopAll ends every peer still running', async () => {
    const child = peers.spawn(node, ['-e', 'setInterval(() => {}, 1000)']);
    await peers.stopAll();
    assert.equal(child.signalCode, 'SIGKILL');
  });
});
