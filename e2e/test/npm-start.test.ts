// The README's promise, as a newcomer would try it: `npm start` (here
// `node scripts/start.mjs --no-build`, since `npm test` has just built
// everything) brings api + edge + dashboard up on the embedded PGlite, prints
// a demo API key and ffmpeg commands that work as printed, Ctrl-C leaves no
// process behind, and a restart finds the same data. Bad settings give one
// clear line, not a stack trace.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ffmpegClipArgs, freePort } from '@tributary/test-kit';

const root = resolve(__dirname, '../../..');
const startScript = join(root, 'scripts/start.mjs');

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** A free port whose next port is free too (`--edges 2` uses the base ports + 1). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    const next = createServer();
    const ok = await new Promise<boolean>((r) => {
      next.once('error', () => r(false));
      next.listen(port + 1, '0.0.0.0', () => next.close(() => r(true)));
    });
    if (ok && port < 65535) return port;
  }
  throw new Error('no pair of free ports');
}

function runStart(env: Record<string, string>, args: string[] = []): Running {
  const childEnv: Record<string, string> = { ...(process.env as Record<string, string>), ...env };
  // The README promise is about the embedded database: CI's DATABASE_URL is
  // exercised by the api's own tests.
  delete childEnv.DATABASE_URL;
  if (env.DATABASE_URL) childEnv.DATABASE_URL = env.DATABASE_URL;
  const child = spawn(process.execPath, [startScript, '--no-build', ...args], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitForOutput(run: Running, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = run.output().match(pattern);
    if (m) return m;
    if (run.child.exitCode !== null)
      throw new Error(
        `npm start exited (${run.child.exitCode}) before printing ${pattern}:\n${run.output()}`,
      );
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${pattern}; output so far:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Processes whose environment carries this DATA_DIR: npm start's children. */
function processesWithDataDir(dataDir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, 'latin1');
      if (environ.split('\0').includes(`DATA_DIR=${dataDir}`)) pids.push(Number(name));
    } catch {
      // gone or not ours
    }
  }
  return pids;
}

function ffmpeg(args: string[], timeoutMs: number) {
  return spawnSync('ffmpeg', ['-hide_banner', '-nostdin', ...args], { encoding: 'utf8', timeout: timeoutMs });
}

/** Plays `url` with ffmpeg for 3 s, decoding to nothing: the video frames it decoded, and its errors. */
function playWithFfmpeg(url: string): { frames: number; stderr: string } {
  const input = ['-rw_timeout', '8000000', '-i', url];
  const play = ffmpeg(
    ['-loglevel', 'error', '-progress', 'pipe:1', ...input, '-t', '3', '-f', 'null', '-'],
    30_000,
  );
  return {
    frames: Number((play.stdout.match(/frame=(\d+)/g) ?? []).pop()?.slice(6) ?? 0),
    stderr: play.stderr,
  };
}

describe('npm start on a fresh machine (embedded PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-start-'));
  const ports: Record<string, string> = {};
  let run: Running | undefined;

  before(async () => {
    for (const name of ['API_PORT', 'DASHBOARD_PORT', 'EMBEDDED_PG_PORT'])
      ports[name] = String(await freePort());
    // Pairs (port and port+1, for --edges 2) that do not overlap each other.
    const taken = new Set(Object.values(ports).map(Number));
    for (const name of ['RTMP_PORT', 'EDGE_HTTP_PORT', 'RTMPS_PORT']) {
      let port = await freePortPair();
      while (taken.has(port) || taken.has(port + 1)) port = await freePortPair();
      taken.add(port).add(port + 1);
      ports[name] = String(port);
    }
  });
  after(async () => {
    if (run && run.child.exitCode === null) {
      run.child.kill('SIGINT');
      await run.exited;
    }
    for (const pid of processesWithDataDir(dataDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  let apiKey = '';
  let streamKey = '';
  let playbackId = '';

  test('starts all three apps and prints the URLs, an API key and the ffmpeg commands', async () => {
    run = runStart({ ...ports, DATA_DIR: dataDir });
    await waitForOutput(run, /Tributary is running/, 240_000);
    const out = run.output();
    apiKey = (out.match(/Demo tenant API key\s+(\S+)/) ?? [])[1] ?? '';
    streamKey = (out.match(/stream key\s+(\S+)/) ?? [])[1] ?? '';
    playbackId =
      (out.match(new RegExp(`ffplay rtmp://127\\.0\\.0\\.1:${ports.RTMP_PORT}/live/(\\S+)`)) ?? [])[1] ?? '';
    assert.match(apiKey, /^\S{20,}$/, 'an API key is printed');
    assert.match(streamKey, /^[A-Za-z0-9_-]{16,64}$/, 'the stream key is printed');
    assert.match(playbackId, /^[A-Za-z0-9_-]{8,64}$/, 'a playback id is printed');
    assert.notEqual(streamKey, playbackId, 'the playback id is not the secret key');
    const rtmps = `rtmps://127.0.0.1:${ports.RTMPS_PORT}/live`;
    assert.ok(out.includes(`-f flv ${rtmps}/${streamKey}`), 'the rtmps:// publish line is printed');
    assert.ok(out.includes(`ffplay ${rtmps}/${playbackId}`), 'the rtmps:// play line is printed');

    const health = await fetch(`http://127.0.0.1:${ports.API_PORT}/healthz`);
    assert.equal(health.status, 200);
    const edgeHealth = await fetch(`http://127.0.0.1:${ports.EDGE_HTTP_PORT}/healthz`);
    assert.equal(edgeHealth.status, 200);
    const dash = await fetch(`http://127.0.0.1:${ports.DASHBOARD_PORT}/`, { redirect: 'manual' });
    assert.ok(dash.status < 500, `dashboard answers (${dash.status})`);
    const list = await fetch(`http://127.0.0.1:${ports.API_PORT}/v1/live-streams`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(list.status, 200, 'the printed API key works');
    const body = (await list.json()) as { data: { playbackId: string }[] };
    assert.ok(body.data.some((s) => s.playbackId === playbackId));
  });

  test('the printed publish and play commands work', async () => {
    assert.ok(run, 'npm start is running');
    const rtmp = `rtmp://127.0.0.1:${ports.RTMP_PORT}/live`;
    const publisher = spawn(
      'ffmpeg',
      ffmpegClipArgs(`${rtmp}/${streamKey}`, {
        seconds: 12,
        audio: 'sine=frequency=440',
        videoOptions: ['-tune', 'zerolatency'],
        realtime: true,
      }),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      await new Promise((r) => setTimeout(r, 2500));
      const play = playWithFfmpeg(`${rtmp}/${playbackId}`);
      const frames = play.frames;
      assert.ok(frames > 20, `the player decoded video frames (got ${frames}; ${play.stderr})`);
      // The printed rtmps:// play line: the local self-signed certificate (ffmpeg does not verify).
      const tls = playWithFfmpeg(`rtmps://127.0.0.1:${ports.RTMPS_PORT}/live/${playbackId}`);
      const tlsFrames = tls.frames;
      assert.ok(
        tlsFrames > 20,
        `the player decoded video frames over rtmps:// (got ${tlsFrames}; ${tls.stderr})`,
      );
    } finally {
      publisher.kill('SIGKILL');
    }
  });

  test('Ctrl-C stops everything and leaves no process behind', async () => {
    assert.ok(run);
    assert.ok(processesWithDataDir(dataDir).length >= 3, 'api, edge and dashboard run with this DATA_DIR');
    run.child.kill('SIGINT');
    const code = await run.exited;
    assert.equal(code, 0);
    assert.deepEqual(processesWithDataDir(dataDir), []);
  });

  test('a restart finds the same data', async () => {
    run = runStart({ ...ports, DATA_DIR: dataDir });
    await waitForOutput(run, /Tributary is running/, 240_000);
    const again = (run.output().match(/Demo tenant API key\s+(\S+)/) ?? [])[1];
    assert.equal(again, apiKey, 'the same demo tenant and key are still there');
    const res = await fetch(`http://127.0.0.1:${ports.API_PORT}/v1/live-streams`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(res.status, 200);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0);
    assert.deepEqual(processesWithDataDir(dataDir), []);
  });

  test('--edges 2 starts a second edge on the next ports, one line per edge; published on one, it plays on the other', async () => {
    run = runStart({ ...ports, DATA_DIR: dataDir }, ['--edges', '2']);
    await waitForOutput(run, /Tributary is running/, 240_000);
    const out = run.output();
    const rtmp2 = `rtmp://127.0.0.1:${Number(ports.RTMP_PORT) + 1}/live`;
    const lines = out.split('\n').filter((l) => /^\s+edge(-2)?\s+publish rtmp:/.test(l));
    assert.equal(lines.length, 2, out);
    assert.ok(lines[1]?.includes(`play ${rtmp2}/${playbackId}`), lines[1]);
    const health2 = await fetch(`http://127.0.0.1:${Number(ports.EDGE_HTTP_PORT) + 1}/healthz`);
    assert.equal(health2.status, 200);
    const publisher = spawn(
      'ffmpeg',
      ffmpegClipArgs(`rtmp://127.0.0.1:${ports.RTMP_PORT}/live/${streamKey}`, {
        seconds: 12,
        videoOptions: ['-tune', 'zerolatency'],
        realtime: true,
      }),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      await new Promise((r) => setTimeout(r, 2500));
      const play = playWithFfmpeg(`${rtmp2}/${playbackId}`);
      const frames = play.frames;
      assert.ok(frames > 20, `edge 2 played the stream published on edge 1 (got ${frames}; ${play.stderr})`);
    } finally {
      publisher.kill('SIGKILL');
    }
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0);
    assert.deepEqual(processesWithDataDir(dataDir), []);
  });
});

describe('bad settings give one clear line', () => {
  test('a taken port names the variable', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '0.0.0.0', () => r()));
    const taken = String((blocker.address() as { port: number }).port);
    try {
      const res = spawnSync(process.execPath, [startScript, '--no-build'], {
        cwd: root,
        env: { ...process.env, RTMP_PORT: taken, API_PORT: String(await freePort()) },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(res.status, 1);
      assert.equal(
        res.stderr.trim(),
        `error: port ${taken} is already in use (RTMP_PORT); stop the other process or set RTMP_PORT to another port`,
      );
    } finally {
      blocker.close();
    }
  });

  test('an unreachable DATABASE_URL ends with one error line from the api, no stack trace', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-baddb-'));
    const ports: Record<string, string> = {};
    for (const name of ['API_PORT', 'RTMP_PORT', 'EDGE_HTTP_PORT', 'DASHBOARD_PORT'])
      ports[name] = String(await freePort());
    const deadPort = await freePort();
    const run = runStart({
      ...ports,
      DATA_DIR: dataDir,
      DATABASE_URL: `postgres://nobody@127.0.0.1:${deadPort}/nothing`,
    });
    try {
      const code = await run.exited;
      assert.equal(code, 1);
      const out = run.output();
      assert.match(out, /api\s+\|\s+error: .*(database|Postgres|connect)/i, out);
      assert.doesNotMatch(out, /^\S*\s*\|?\s*at .+\(.+:\d+:\d+\)$/m, 'no stack trace lines');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
