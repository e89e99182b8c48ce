import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TransportHandlers } from '../transport/transport';
import { isRtmptPath, parseRtmptPath } from './rtmpt-request';
import {
  type RtmptAnswer,
  type RtmptRequest,
  RtmptSessions,
  type RtmptSessionsOptions,
} from './rtmpt-sessions';
import { nextInterval, RTMPT_INTERVAL_MAX, RTMPT_INTERVAL_MIN, type RtmptTransport } from './rtmpt-transport';

const SEED = 0x7e57;
const RUNS = 200;

/** A connection stand-in that records what its transport reports. */
class Recorder implements TransportHandlers {
  received: Buffer[] = [];
  drains = 0;
  idles = 0;
  errors: (Error & { code?: string })[] = [];
  closes = 0;
  data(bytes: Buffer): void {
    this.received.push(bytes);
  }
  drain(): void {
    this.drains++;
  }
  idle(): void {
    this.idles++;
  }
  error(err: Error & { code?: string }): void {
    this.errors.push(err);
  }
  close(): void {
    this.closes++;
  }
  get bytes(): Buffer {
    return Buffer.concat(this.received);
  }
}

function table(over: Partial<RtmptSessionsOptions> = {}) {
  const accepted: { t: RtmptTransport; rec: Recorder }[] = [];
  const sessions = new RtmptSessions({
    accept: (t) => {
      const rec = new Recorder();
      t.start(rec, 30_000);
      accepted.push({ t, rec });
    },
    maxSessions: 100,
    maxSessionsPerIp: 10,
    sessionTimeoutMs: 10_000,
    maxBodyBytes: 64 * 1024,
    maxBufferedBytes: 1024 * 1024,
    randomBytes: (n) => randomBytes(n),
    ...over,
  });
  return { sessions, accepted };
}

const IP = '192.0.2.1';
const ONE = Buffer.from([0]);

function post(path: string, body: Buffer = ONE, ip = IP, now = 0): RtmptRequest {
  return { method: 'POST', path, ip, body, now };
}

function bodyOf(a: RtmptAnswer): Buffer {
  return Buffer.concat(a.body as Buffer[]);
}

function open(s: RtmptSessions, ip = IP, now = 0): string {
  const a = s.handle(post('/open/1', ONE, ip, now));
  assert.equal(a.status, 200);
  const text = bodyOf(a).toString('latin1');
  assert.match(text, /^[0-9a-f]{32}\n$/);
  assert.equal(a.bodyLength, 33);
  return text.slice(0, -1);
}

describe('RTMPT request paths', () => {
  it('parses the five commands as FMS, librtmp and FFmpeg send them', () => {
    const id = 'a'.repeat(32);
    assert.deepEqual(parseRtmptPath('/fcs/ident2'), { command: 'ident' });
    assert.deepEqual(parseRtmptPath('/open/1'), { command: 'open' });
    assert.deepEqual(parseRtmptPath(`/send/${id}/0`), { command: 'send', sessionId: id, seq: 0 });
    assert.deepEqual(parseRtmptPath(`/idle/${id}/17`), { command: 'idle', sessionId: id, seq: 17 });
    assert.deepEqual(parseRtmptPath(`/close/${id}/3`), { command: 'close', sessionId: id, seq: 3 });
    assert.deepEqual(parseRtmptPath(`/close/${id}`), { command: 'close', sessionId: id });
  });

  it('refuses every other shape', () => {
    const id = 'a'.repeat(32);
    for (const p of [
      '/open/2',
      '/open/1/',
      `/send/${id}`,
      `/idle/${id}`,
      `/send/${id}/`,
      `/send/${id}/-1`,
      `/send/${id}/1e3`,
      `/send/${id}/4294967296`,
      `/send/${id}/12345678901`,
      `/send/${id.toUpperCase()}/1`,
      `/send/${id}a/1`,
      '/send//1',
      `/send/${id}/1/2`,
      `/poll/${id}/1`,
      '/fcs/ident',
      '',
      '/',
    ]) {
      assert.equal(parseRtmptPath(p), undefined, p);
    }
    assert.equal(isRtmptPath('/idle/x/1'), true);
    assert.equal(isRtmptPath('/live/x.flv'), false);
  });

  it('never throws and only returns well-formed lines (property)', () => {
    const id = fc.stringMatching(/^[0-9a-f]{32}$/);
    const piece = fc.oneof(
      fc.string({ maxLength: 40 }),
      id,
      fc.constantFrom('send', 'idle', 'close', 'open', 'fcs', 'ident2', '1', '0'),
      fc.nat().map(String),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 5 }), (parts) => {
        const path = `/${parts.join('/')}`;
        const line = parseRtmptPath(path);
        if (line === undefined) return;
        if (line.command === 'ident') assert.equal(path, '/fcs/ident2');
        else if (line.command === 'open') assert.equal(path, '/open/1');
        else {
          assert.match(line.sessionId!, /^[0-9a-f]{32}$/);
          const rebuilt = `/${line.command}/${line.sessionId}${line.seq === undefined ? '' : `/${line.seq}`}`;
          assert.equal(Number(path.split('/')[3] ?? 'NaN') === line.seq || line.seq === undefined, true);
          assert.equal(rebuilt.length <= path.length, true);
        }
      }),
      { seed: SEED, numRuns: RUNS * 5 },
    );
  });
});

describe('RTMPT sessions', () => {
  it('ident2 is 404, open answers an id and a newline, and ids differ', () => {
    const { sessions } = table();
    assert.equal(sessions.handle(post('/fcs/ident2')).status, 404);
    const ids = new Set<string>();
    for (let i = 0; i < 10; i++) ids.add(open(sessions));
    assert.equal(ids.size, 10);
  });

  it('carries bytes both ways; every answer starts with the interval byte', () => {
    const { sessions, accepted } = table();
    const id = open(sessions);
    const { t, rec } = accepted[0]!;
    const c0c1 = randomBytes(1537);
    const a = sessions.handle(post(`/send/${id}/0`, c0c1));
    assert.equal(a.status, 200);
    assert.deepEqual(bodyOf(a), Buffer.from([RTMPT_INTERVAL_MIN]));
    assert.deepEqual(rec.bytes, c0c1);
    const s0s1s2 = [randomBytes(1), randomBytes(1536), randomBytes(1536)];
    t.write(s0s1s2);
    assert.equal(t.writableLength, 3073);
    const b = sessions.handle(post(`/idle/${id}/1`));
    assert.equal(b.status, 200);
    assert.equal(b.hold, undefined);
    const body = bodyOf(b);
    assert.equal(b.bodyLength, body.length);
    assert.deepEqual(body.subarray(1), Buffer.concat(s0s1s2));
    assert.equal(t.writableLength, 0);
    assert.equal(rec.drains, 1);
  });

  it('the interval byte backs off on empty answers up to 0x21 and resets when bytes flow', () => {
    const { sessions, accepted } = table();
    const id = open(sessions);
    const { t } = accepted[0]!;
    const seen: number[] = [];
    for (let seq = 0; seq < 9; seq++) {
      const a = sessions.handle(post(`/send/${id}/${seq}`, Buffer.from([1])));
      seen.push(bodyOf(a)[0]!);
    }
    assert.deepEqual(seen, [1, 2, 4, 8, 16, 32, 33, 33, 33]);
    t.write([Buffer.from('x')]);
    const a = sessions.handle(post(`/send/${id}/9`, Buffer.from([1])));
    assert.equal(bodyOf(a)[0], 33);
    const b = sessions.handle(post(`/send/${id}/10`, Buffer.from([1])));
    assert.equal(bodyOf(b)[0], 1);
    assert.equal(nextInterval(RTMPT_INTERVAL_MAX, false), RTMPT_INTERVAL_MAX);
  });

  it('an idle poll with nothing queued is held until output arrives; a new request releases it', () => {
    const { sessions, accepted } = table();
    const id = open(sessions);
    const { t } = accepted[0]!;
    const held = sessions.handle(post(`/idle/${id}/0`));
    assert.equal(held.status, 200);
    assert.equal(held.hold, t);
    let ready = 0;
    let released = 0;
    t.hold({ ready: () => ready++, release: () => released++ });
    t.write([Buffer.from('a')]);
    t.write([Buffer.from('b')]);
    assert.equal(ready, 1, 'edge-triggered');
    assert.deepEqual(
      Buffer.concat(t.poll(1).body as Buffer[])
        .subarray(1)
        .toString(),
      'ab',
    );
    t.hold({ ready: () => ready++, release: () => released++ });
    // a forged request (bad seq) does not release it
    assert.equal(sessions.handle(post(`/idle/${id}/5`)).status, 400);
    assert.equal(released, 0);
    sessions.handle(post(`/send/${id}/1`, Buffer.from('z')));
    assert.equal(released, 1);
  });

  it('sequence numbers: first 0 or 1, then strictly one more; a bad one changes nothing', () => {
    const { sessions, accepted } = table();
    const id = open(sessions);
    const { t, rec } = accepted[0]!;
    assert.equal(sessions.handle(post(`/send/${id}/2`, Buffer.from('no'))).status, 400);
    assert.equal(sessions.handle(post(`/send/${id}/1`, Buffer.from('a'))).status, 200);
    t.write([Buffer.from('queued')]);
    for (const seq of [1, 0, 3, 100]) {
      const a = sessions.handle(post(`/send/${id}/${seq}`, Buffer.from('evil')));
      assert.equal(a.status, 400, `seq ${seq}`);
      assert.equal(a.bodyLength, 0);
    }
    assert.equal(rec.bytes.toString(), 'a');
    assert.equal(t.writableLength, 6, 'queued bytes not taken by a replay');
    const ok = sessions.handle(post(`/send/${id}/2`, Buffer.from('b')));
    assert.equal(bodyOf(ok).subarray(1).toString(), 'queued');
    assert.equal(rec.bytes.toString(), 'ab');
    const other = table();
    const id2 = open(other.sessions);
    assert.equal(other.sessions.handle(post(`/idle/${id2}/0`)).status, 200);
  });

  it('an id used from another address is unknown there, and the owner keeps its session', () => {
    const { sessions, accepted } = table();
    const id = open(sessions);
    const { t, rec } = accepted[0]!;
    t.write([Buffer.from('secret')]);
    for (const path of [`/idle/${id}/0`, `/send/${id}/0`, `/close/${id}/0`, `/close/${id}`]) {
      const a = sessions.handle(post(path, Buffer.from('x'), '198.51.100.7'));
      assert.equal(a.status, 404, path);
      assert.equal(a.reason, 'unknown_session');
    }
    assert.equal(rec.received.length, 0);
    assert.equal(rec.closes, 0);
    const a = sessions.handle(post(`/idle/${id}/0`));
    assert.equal(bodyOf(a).subarray(1).toString(), 'secret');
    assert.equal(sessions.handle(post(`/idle/${'0'.repeat(32)}/0`)).status, 404);
  });

  it('close ends the session (the connection sees close, later polls are 404)', () => {
    const { sessions, accepted } = table();
    const id = open(sessions);
    const { rec } = accepted[0]!;
    const a = sessions.handle(post(`/close/${id}/0`));
    assert.equal(a.status, 200);
    assert.deepEqual(bodyOf(a), Buffer.from([0]));
    assert.equal(rec.closes, 1);
    assert.equal(rec.errors.length, 0);
    assert.equal(sessions.size, 0);
    assert.equal(sessions.handle(post(`/idle/${id}/1`)).status, 404);
    const id2 = open(sessions);
    assert.equal(sessions.handle(post(`/close/${id2}`)).status, 200);
    assert.equal(sessions.size, 0);
  });

  it('end() delivers what was queued with the next poll, then the session is gone', () => {
    const { sessions, accepted } = table();
    const id = open(sessions);
    const { t, rec } = accepted[0]!;
    t.write([Buffer.from('bye')]);
    t.end();
    assert.equal(t.destroyed, true);
    t.write([Buffer.from('ignored')]);
    assert.equal(rec.closes, 0);
    const a = sessions.handle(post(`/idle/${id}/0`));
    assert.equal(bodyOf(a).subarray(1).toString(), 'bye');
    assert.equal(rec.closes, 1);
    assert.equal(sessions.handle(post(`/idle/${id}/1`)).status, 404);
  });

  it('caps: sessions in all, sessions per address, body size', () => {
    const { sessions } = table({ maxSessions: 5, maxSessionsPerIp: 3 });
    for (let i = 0; i < 3; i++) open(sessions, '10.0.0.1');
    const a = sessions.handle(post('/open/1', ONE, '10.0.0.1'));
    assert.equal(a.status, 503);
    assert.equal(a.reason, 'too_many_sessions_from_address');
    open(sessions, '10.0.0.2');
    open(sessions, '10.0.0.3');
    const b = sessions.handle(post('/open/1', ONE, '10.0.0.4'));
    assert.equal(b.status, 503);
    assert.equal(b.reason, 'too_many_sessions');
    assert.equal(sessions.sessionsFrom('10.0.0.1'), 3);
    const c = sessions.handle(post('/open/1', Buffer.alloc(64 * 1024 + 1)));
    assert.equal(c.status, 413);
    assert.equal(sessions.handle({ ...post('/open/1'), method: 'GET' }).status, 405);
  });

  it('a session with no request for sessionTimeoutMs is reaped; idle() fires on silent connections', () => {
    const { sessions, accepted } = table({ sessionTimeoutMs: 10_000 });
    const id = open(sessions, IP, 0);
    const quiet = open(sessions, IP, 0);
    const [a, b] = accepted;
    // `quiet` polls every 5 s but no byte flows for 30 s: idle() as over a silent socket
    for (let now = 5_000; now <= 35_000; now += 5_000) {
      sessions.handle(post(`/idle/${quiet}/${now / 5_000 - 1}`, ONE, IP, now));
      sessions.sweep(now);
    }
    assert.equal(a!.rec.closes, 1);
    assert.equal(a!.rec.errors[0]?.code, 'ECONNRESET');
    assert.equal(b!.rec.closes, 0);
    assert.equal(b!.rec.idles, 1);
    assert.equal(sessions.size, 1);
    assert.equal(sessions.handle(post(`/idle/${id}/0`, ONE, IP, 35_000)).status, 404);
    assert.equal(sessions.sessionsFrom(IP), 1);
  });

  it('bounds: output a client never polls for, input while paused', () => {
    const { sessions, accepted } = table({ maxBufferedBytes: 1000, maxBodyBytes: 100 });
    open(sessions);
    const { t, rec } = accepted[0]!;
    t.write([Buffer.alloc(600)]);
    t.write([Buffer.alloc(600)]);
    assert.equal(rec.closes, 1);
    assert.equal(rec.errors[0]?.code, 'EPIPE');
    assert.equal(sessions.size, 0);
    const id = open(sessions);
    const second = accepted[1]!;
    second.t.pause();
    assert.equal(sessions.handle(post(`/send/${id}/0`, Buffer.alloc(100, 1))).status, 200);
    assert.equal(sessions.handle(post(`/send/${id}/1`, Buffer.alloc(100, 2))).status, 200);
    assert.equal(second.rec.received.length, 0, 'held while paused');
    second.t.resume();
    assert.equal(second.rec.bytes.length, 200);
    second.t.pause();
    for (let seq = 2; seq < 4; seq++) sessions.handle(post(`/send/${id}/${seq}`, Buffer.alloc(100)));
    assert.equal(sessions.handle(post(`/send/${id}/4`, Buffer.alloc(100))).status, 404);
    assert.equal(second.rec.errors[0]?.code, 'ECONNRESET');
    assert.equal(sessions.size, 0);
  });

  it('random request sequences keep every invariant (property)', () => {
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
    const op = fc.oneof(
      fc.record({ k: fc.constant('open' as const), ip: fc.constantFrom(...ips) }),
      fc.record({
        k: fc.constantFrom('send' as const, 'idle' as const, 'close' as const),
        session: fc.nat(20),
        seqDelta: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -3, max: 3 })),
        ip: fc.oneof(fc.constant(undefined), fc.constantFrom(...ips)),
        body: fc.uint8Array({ maxLength: 80 }),
        forgeId: fc.boolean(),
      }),
      fc.record({
        k: fc.constant('write' as const),
        session: fc.nat(20),
        len: fc.integer({ min: 1, max: 300 }),
      }),
      fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 6_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const { sessions, accepted } = table({
          maxSessions: 6,
          maxSessionsPerIp: 3,
          sessionTimeoutMs: 10_000,
          maxBodyBytes: 64,
          maxBufferedBytes: 800,
        });
        let now = 0;
        const ids: {
          id: string;
          ip: string;
          next: number;
          sent: Buffer[];
          written: Buffer[];
          got: Buffer[];
        }[] = [];
        for (const o of ops) {
          if (o.k === 'open') {
            const a = sessions.handle(post('/open/1', ONE, o.ip, now));
            if (a.status === 200)
              ids.push({
                id: bodyOf(a).toString().trim(),
                ip: o.ip,
                next: 0,
                sent: [],
                written: [],
                got: [],
              });
            else assert.equal(a.status, 503);
          } else if (o.k === 'write') {
            const i = o.session % Math.max(1, accepted.length);
            const x = accepted[i];
            const rec = ids[i];
            if (x === undefined || rec === undefined || x.t.destroyed) continue;
            const b = randomBytes(o.len);
            x.t.write([b]);
            if (!x.t.destroyed) rec.written.push(b);
          } else if (o.k === 'tick') {
            now += o.ms;
            sessions.sweep(now);
          } else {
            const s = ids[o.session % Math.max(1, ids.length)];
            if (s === undefined) continue;
            const ip = o.ip ?? s.ip;
            const seq = Math.max(0, s.next + o.seqDelta);
            const id = o.forgeId ? 'f'.repeat(32) : s.id;
            const body = Buffer.from(o.body);
            const a = sessions.handle(post(`/${o.k}/${id}/${seq}`, body, ip, now));
            const alive = sessions.transport(s.id) !== undefined || a.status === 200;
            if (a.status === 200) {
              assert.equal(ip, s.ip);
              assert.equal(id, s.id);
              assert.equal(seq === s.next || (s.next === 0 && seq === 1), true);
              s.next = seq + 1;
              if (o.k === 'send') s.sent.push(body);
              const got = a.hold ? a.hold.poll(now) : a;
              if (o.k !== 'close') s.got.push(Buffer.concat(got.body as Buffer[]).subarray(1));
              assert.equal(got.bodyLength, Buffer.concat(got.body as Buffer[]).length);
            } else {
              assert.ok([400, 404, 413].includes(a.status), String(a.status));
              assert.equal(a.bodyLength, 0);
            }
            assert.equal(alive || a.status === 404, true);
          }
          // invariants after every step
          assert.ok(sessions.size <= 6);
          for (const ip of ips) assert.ok(sessions.sessionsFrom(ip) <= 3);
          let live = 0;
          for (const x of accepted) if (!x.t.isClosed) live++;
          assert.equal(live, sessions.size);
        }
        // bytes arrive in order and complete, in both directions, for every session
        accepted.forEach((x, i) => {
          const s = ids[i]!;
          assert.deepEqual(x.rec.bytes, Buffer.concat(s.sent).subarray(0, x.rec.bytes.length));
          if (!x.t.isClosed) assert.deepEqual(x.rec.bytes, Buffer.concat(s.sent));
          const out = Buffer.concat(s.got);
          assert.deepEqual(out, Buffer.concat(s.written).subarray(0, out.length));
          if (!x.t.isClosed) assert.equal(out.length + x.t.writableLength, Buffer.concat(s.written).length);
          assert.ok(x.rec.closes <= 1);
        });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
