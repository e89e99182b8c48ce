import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CapsEx, type OnStatusInfo, StatusCode } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { parseChallengeDescription } from '../src/auth/adobe-auth';
import {
  ControlPlane,
  type EdgeHandle,
  edgeMetric,
  type StreamHandle,
  type TenantHandle,
} from './support/control-plane';
import { withDeadline, within } from './support/edge-process';
import { Peers } from './support/peers';

/**
 * FMLE authentication (authmod=adobe) through real edges and a real api: ffmpeg publishes with
 * rtmp://user:pass@edge/live-auth/<key> and a viewer plays it; a wrong password is refused and
 * nothing is published; the three connects of the exchange land on different edges and still sign
 * in; a replayed, expired or forged challenge is refused; a stream without credentials publishes
 * with its plain key as before, and one with credentials refuses its plain key.
 */

/** Challenges live this long here (PUBLISH_AUTH_CHALLENGE_TTL_SECONDS), so expiry is quick to show. */
const CHALLENGE_TTL_SECONDS = 2;
/** One encoder or player step on a busy 2-core machine. */
const STEP_DEADLINE_MS = 20_000;
const AUTH_APP = 'live-auth';

const USER = `fmle-${randomBytes(3).toString('hex')}`;
const PASSWORD = 'correct-horse-9';

/** The encoder's side of the arithmetic, from the protocol (not the edge's or api's code). */
const md5b64 = (s: string) => createHash('md5').update(s, 'utf8').digest('base64');
const answer = (password: string, salt: string, opaque: string, cc: string) =>
  md5b64(md5b64(USER + salt + password) + opaque + cc);

/** The edge's count of publish authorisations with this result (its /metrics). */
const authCount = (edge: EdgeHandle, result: string): Promise<number> =>
  edgeMetric(edge, `tributary_edge_publish_authorizations_total{result="${result}"}`);

const authUrl = (edge: EdgeHandle) => edge.rtmp.replace(/\/live$/, `/${AUTH_APP}`);

/** Connects with `url` (its query is the connect's) and returns the rejection's description. */
async function refusal(url: string): Promise<string> {
  const client = new RtmpClient({ url, timeoutMs: STEP_DEADLINE_MS });
  try {
    await client.connect();
  } catch (err) {
    return (err as Error).message;
  } finally {
    client.close();
  }
  throw new Error(`connect was accepted: ${url}`);
}

/** Steps 1 and 2 of the exchange (each on its own edge): the challenge's parameters. */
async function challengeFrom(first: EdgeHandle, second: EdgeHandle) {
  const need = await refusal(authUrl(first));
  assert.match(need, /code=403 need auth; authmod=adobe/);
  const desc = await refusal(`${authUrl(second)}?authmod=adobe&user=${USER}`);
  const c = parseChallengeDescription(desc);
  assert.ok(c?.opaque && c.challenge, desc);
  return { salt: c.salt, opaque: c.opaque, challenge: c.challenge };
}

const answerQuery = (response: string, opaque: string, cc: string) =>
  `?authmod=adobe&user=${USER}&challenge=${cc}&response=${response}&opaque=${opaque}`;

describe('authmod=adobe at publish, across edges', { timeout: 240_000 }, () => {
  let dir: string;
  let plane: ControlPlane;
  let peers: Peers;
  let clip: string;
  let owner: TenantHandle;
  let secured: StreamHandle;
  let plain: StreamHandle;
  let a: EdgeHandle;
  let b: EdgeHandle;
  let throttled: EdgeHandle;

  const streamStatus = async (s: StreamHandle) =>
    (await plane.via(0)<{ status: string }>('GET', `/v1/live-streams/${s.id}`, { bearer: owner.key })).body
      .status;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'authmod-'));
    plane = await ControlPlane.start({
      dir,
      env: { PUBLISH_AUTH_CHALLENGE_TTL_SECONDS: String(CHALLENGE_TTL_SECONDS) },
    });
    owner = await plane.newTenant('Broadcaster');
    secured = await plane.newStream(owner, 'fmle encoder');
    plain = await plane.newStream(owner, 'plain key');
    const set = await plane.via(0)(
      'PUT',
      `/v1/live-streams/${secured.id}/publish-credentials`,
      {
        bearer: owner.key,
      },
      { username: USER, password: PASSWORD },
    );
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // Many wrong answers on purpose below: the brake is shown on its own edge.
    const env = { AUTH_FAILURES_BEFORE_DELAY: '1000' };
    a = await plane.startEdge({ name: 'auth-a', env });
    b = await plane.startEdge({ name: 'auth-b', env });
    throttled = await plane.startEdge({ name: 'auth-c', env: { AUTH_FAILURES_BEFORE_DELAY: '2' } });
    peers = new Peers();
    clip = join(dir, 'clip.flv');
    await peers.makeClip(clip, 4);
  });

  after(async () => {
    await peers?.stopAll();
    await plane?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ffmpeg publishes with rtmp://user:pass@edge/live-auth/<key> and a viewer plays it', async () => {
    const [scheme, rest] = authUrl(a).split('://');
    const publisher = peers.publish(clip, `${scheme}://${USER}:${PASSWORD}@${rest}/${secured.streamKey}`);
    await within(
      STEP_DEADLINE_MS,
      'the stream goes live',
      async () => (await streamStatus(secured)) === 'active',
    );
    const seen = await withDeadline(
      peers.decodeFrames(`${a.rtmp}/${secured.playbackId}`, 10),
      STEP_DEADLINE_MS,
      'viewer',
    );
    assert.ok(seen.frames >= 10, `decoded ${seen.frames} frames: ${seen.stderr}`);
    publisher.kill('SIGTERM');
    await within(STEP_DEADLINE_MS, 'the session ends', async () => (await streamStatus(secured)) === 'idle');
  });

  it('a wrong password is refused: ffmpeg exits non-zero and nothing is published', async () => {
    const [scheme, rest] = authUrl(a).split('://');
    const res = await withDeadline(
      peers.publishOnce(clip, `${scheme}://${USER}:wrong-password-1@${rest}/${secured.streamKey}`),
      STEP_DEADLINE_MS,
      'ffmpeg with a wrong password',
    );
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /authfailed|Incorrect username\/password/);
    assert.equal(await streamStatus(secured), 'idle');
    // The plain key of a stream with credentials is refused too (Publish.Denied names the way in).
    const client = new RtmpClient({ url: a.rtmp, timeoutMs: STEP_DEADLINE_MS });
    try {
      await client.connect();
      await assert.rejects(client.publish(secured.streamKey), /requires its username and password/);
    } finally {
      client.close();
    }
    assert.equal(await streamStatus(secured), 'idle');
  });

  it('a stream without credentials still publishes with its plain key on the usual application', async () => {
    const publisher = peers.publish(clip, `${a.rtmp}/${plain.streamKey}`);
    await within(
      STEP_DEADLINE_MS,
      'the plain stream goes live',
      async () => (await streamStatus(plain)) === 'active',
    );
    const seen = await withDeadline(
      peers.decodeFrames(`${b.rtmp}/${plain.playbackId}`, 5),
      STEP_DEADLINE_MS,
      'viewer',
    );
    assert.ok(seen.frames >= 5, seen.stderr);
    publisher.kill('SIGTERM');
  });

  it('the three connects on different edges sign in; a replay is refused; a new password cuts the session', async () => {
    const c = await challengeFrom(a, b);
    const cc = randomBytes(4).toString('hex');
    const query = answerQuery(answer(PASSWORD, c.salt, c.opaque, cc), c.opaque, cc);
    const client = new RtmpClient({ url: `${authUrl(a)}${query}`, timeoutMs: STEP_DEADLINE_MS });
    try {
      await client.connect();
      await client.publish(secured.streamKey);
      await within(
        STEP_DEADLINE_MS,
        'the stream goes live',
        async () => (await streamStatus(secured)) === 'active',
      );
      // Signed in as this stream's user: another stream's valid key is refused on the same connection.
      await assert.rejects(client.publish(plain.streamKey), /may publish its own stream only/);
      for (const edge of [a, b])
        assert.match(await refusal(`${authUrl(edge)}${query}`), /\?reason=authfailed/);
      assert.equal(await authCount(a, 'authmod_replayed'), 1);
      assert.equal(await authCount(b, 'authmod_replayed'), 1);
      assert.equal(await authCount(a, 'authmod_authenticated'), 2, 'ffmpeg above, this client here');
      // A new password cuts the publisher that signed in with the old one, on its edge, within seconds.
      const closed = new Promise((resolve) => client.once('close', resolve));
      const path = `/v1/live-streams/${secured.id}/publish-credentials`;
      const changed = await plane.via(0)(
        'PUT',
        path,
        { bearer: owner.key },
        { username: USER, password: 'new-pass-123' },
      );
      assert.equal(changed.status, 200);
      await withDeadline(closed, 5000, 'the old sign-in is cut');
      const back = await plane.via(0)(
        'PUT',
        path,
        { bearer: owner.key },
        { username: USER, password: PASSWORD },
      );
      assert.equal(back.status, 200);
    } finally {
      client.close();
    }
  });

  it('on the usual application a connect that asks for authmod=adobe (FMLE style) runs the same exchange', async () => {
    assert.match(await refusal(`${b.rtmp}?authmod=adobe`), /code=403 need auth; authmod=adobe/);
    const c = parseChallengeDescription(await refusal(`${a.rtmp}?authmod=adobe&user=${USER}`));
    assert.ok(c?.opaque);
    const cc = randomBytes(4).toString('hex');
    const client = new RtmpClient({
      url: `${b.rtmp}${answerQuery(answer(PASSWORD, c.salt, c.opaque, cc), c.opaque, cc)}`,
      timeoutMs: STEP_DEADLINE_MS,
    });
    try {
      await client.connect();
      await client.publish(secured.streamKey);
    } finally {
      client.close();
    }
    assert.equal(await authCount(b, 'authmod_authenticated'), 1);
  });

  it('an expired challenge, a tampered opaque and a wrong answer are refused', async () => {
    const cc = '0badf00d';
    const late = await challengeFrom(b, a);
    await new Promise((r) => setTimeout(r, CHALLENGE_TTL_SECONDS * 1000 + 600));
    assert.match(
      await refusal(
        `${authUrl(b)}${answerQuery(answer(PASSWORD, late.salt, late.opaque, cc), late.opaque, cc)}`,
      ),
      /\?reason=authfailed/,
    );
    const c = await challengeFrom(a, a);
    const forged = `${c.opaque.slice(0, 20)}${c.opaque[20] === 'x' ? 'y' : 'x'}${c.opaque.slice(21)}`;
    assert.match(
      await refusal(`${authUrl(a)}${answerQuery(answer(PASSWORD, c.salt, forged, cc), forged, cc)}`),
      /\?reason=authfailed/,
    );
    const wrong = await challengeFrom(a, b);
    assert.match(
      await refusal(
        `${authUrl(b)}${answerQuery(answer('not-the-password', wrong.salt, wrong.opaque, cc), wrong.opaque, cc)}`,
      ),
      /\?reason=authfailed/,
    );
    // A response made for another challenge (right password, wrong opaque) is refused.
    const other = await challengeFrom(b, b);
    assert.match(
      await refusal(
        `${authUrl(a)}${answerQuery(answer(PASSWORD, other.salt, wrong.opaque, cc), other.opaque, cc)}`,
      ),
      /\?reason=authfailed/,
    );
    assert.equal(await streamStatus(secured), 'idle');
    assert.equal(await authCount(b, 'authmod_expired'), 1);
    assert.equal(await authCount(a, 'authmod_forged'), 1, 'the tampered opaque');
    assert.equal(
      await authCount(a, 'authmod_wrong_response'),
      2,
      "ffmpeg's wrong password, the borrowed answer",
    );
    assert.equal(await authCount(b, 'authmod_wrong_response'), 1);
  });

  it('wrong answers are braked like wrong stream keys: past the limit each attempt waits its slot', async () => {
    const cc = 'feedf00d';
    for (let i = 0; i < 2; i++) {
      const c = await challengeFrom(throttled, throttled);
      const started = Date.now();
      await refusal(
        `${authUrl(throttled)}${answerQuery(answer('wrong-wrong-1', c.salt, c.opaque, cc), c.opaque, cc)}`,
      );
      assert.ok(Date.now() - started < 900, 'the first failures are answered at once');
    }
    const c = await challengeFrom(throttled, throttled);
    const started = Date.now();
    assert.match(
      await refusal(
        `${authUrl(throttled)}${answerQuery(answer('wrong-wrong-1', c.salt, c.opaque, cc), c.opaque, cc)}`,
      ),
      /\?reason=authfailed/,
    );
    assert.ok(Date.now() - started >= 900, `the third waited ${Date.now() - started} ms`);
    // The refusal can reach the encoder just before the edge counts it: wait for the count, then check it.
    await within(
      5_000,
      'the third wrong answer counted',
      async () => (await authCount(throttled, 'authmod_wrong_response')) >= 3,
    );
    assert.equal(await authCount(throttled, 'authmod_wrong_response'), 3);
  });

  it('a draining edge sends a signed-in publisher to another edge to sign in afresh (no spent answer in the URL)', async () => {
    const leaving = await plane.startEdge({ name: 'auth-d', env: { AUTH_FAILURES_BEFORE_DELAY: '1000' } });
    const c = await challengeFrom(leaving, leaving);
    const cc = randomBytes(4).toString('hex');
    const client = new RtmpClient({
      url: `${authUrl(leaving)}${answerQuery(answer(PASSWORD, c.salt, c.opaque, cc), c.opaque, cc)}`,
      timeoutMs: STEP_DEADLINE_MS,
      capsEx: CapsEx.Reconnect,
    });
    try {
      await client.connect();
      await client.publish(secured.streamKey);
      // Its heartbeat has brought the fleet (1 s interval): there is somewhere to send the publisher.
      await new Promise((r) => setTimeout(r, 2500));
      const asked = new Promise<OnStatusInfo>((resolve) =>
        client.on('status', (info: OnStatusInfo) => {
          if (info.code === StatusCode.ConnectReconnectRequest) resolve(info);
        }),
      );
      const stopped = leaving.stop();
      const info = await withDeadline(asked, 10_000, 'the ReconnectRequest');
      const target = String(info.tcUrl);
      assert.ok(
        [a, b, throttled].some((e) => target === authUrl(e)),
        `${target} is another edge's ${AUTH_APP}, with no spent answer`,
      );
      client.close();
      await stopped;
      // There it signs in with a new challenge and publishes.
      const edge = [a, b, throttled].find((e) => target === authUrl(e));
      assert.ok(edge);
      const again = await challengeFrom(edge, edge);
      const next = new RtmpClient({
        url: `${target}${answerQuery(answer(PASSWORD, again.salt, again.opaque, cc), again.opaque, cc)}`,
        timeoutMs: STEP_DEADLINE_MS,
      });
      try {
        await next.connect();
        await next.publish(secured.streamKey);
      } finally {
        next.close();
      }
    } finally {
      client.close();
    }
  });
});
