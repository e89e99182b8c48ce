import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { Peers } from './support/peers';

/** Five distinct pictures, one per stream: a decoded frame names the clip it came from. */
const PATTERNS = ['testsrc2', 'smptebars', 'rgbtestsrc', 'yuvtestsrc', 'testsrc'];
const VIEWERS_PER_STREAM = 2;
const FRAMES = 25;

describe('many publishers at once, each viewer sees only its own stream (docs/reliability.md: many-streams, scaled down)', {
  timeout: 60_000,
}, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-many-'));
  const clipHashes = new Map<string, Set<string>>();
  let run: RunningEdge;

  before(async () => {
    run = await startEdge();
    for (const [i, pattern] of PATTERNS.entries()) {
      const clip = join(dir, `${pattern}.flv`);
      await peers.makeClip(clip, 2, pattern);
      const decoded = await peers.decodeFrames(clip, 1000);
      clipHashes.set(`pb${i}`, new Set(decoded.hashes));
      // Distinct tenants too: isolation must not depend on sharing one.
      run.api.allow(`key${i}`, { playbackId: `pb${i}`, tenantId: `tenant-${i}` });
      peers.publish(clip, `${run.rtmpUrl}/key${i}`);
    }
    await until(() => run.edge.registry.publisherCount === PATTERNS.length);
  });

  after(async () => {
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every viewer frames of its own publisher only', async () => {
    const plays = PATTERNS.flatMap((_, i) =>
      Array.from({ length: VIEWERS_PER_STREAM }, () =>
        peers.decodeFrames(`${run.rtmpUrl}/pb${i}`, FRAMES).then((r) => ({ playbackId: `pb${i}`, ...r })),
      ),
    );
    for (const played of await Promise.all(plays)) {
      assert.equal(played.frames, FRAMES, played.stderr);
      for (const [playbackId, hashes] of clipHashes) {
        const matches = played.hashes.filter((h) => hashes.has(h)).length;
        assert.equal(
          matches,
          playbackId === played.playbackId ? FRAMES : 0,
          `${played.playbackId} vs ${playbackId}`,
        );
      }
    }
    assert.equal(
      run.edge.metrics.sessionsEnded.get({ reason: 'connection_closed' }),
      0,
      'no session dropped',
    );
  });
});
