import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  AssetSchema,
  EDGE_ASSET_MAX_RANGE_BYTES,
  EdgeApiPaths,
  EdgeAssetSchema,
  PlaybackTokenSchema,
} from '@tributary/contracts';
import { run, tempDir, waitUntil } from '@tributary/test-kit';
import { TestApi } from './support/api';

/**
 * The edge contract's on-demand half (issue 12) through the real api: an edge looks an asset up by
 * playback id and reads its file by single ranges (206, bounded, 416 otherwise), only while it is
 * ready; the asset resource names its RTMP and HLS URLs under the fleet's once ready; playback tokens are
 * minted for assets' playback ids as for live streams'.
 */

let api: TestApi;
let operator: string;
let acme: { tenantId: string; key: string };
let edge: { edgeId: string; credential: string };
const files = tempDir('tributary-edge-assets-');
let mp4: Buffer;

async function uploadAsset(key: string, bytes: Buffer, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([bytes]), 'clip.mp4');
  const res = await fetch(`${api.url}/v1/assets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
    signal: AbortSignal.timeout(30_000),
  });
  assert.equal(res.status, 201);
  return AssetSchema.parse(await res.json());
}

async function ready(id: string) {
  let asset: ReturnType<typeof AssetSchema.parse> | undefined;
  await waitUntil(
    async () => {
      asset = AssetSchema.parse((await api.request('GET', `/v1/assets/${id}`, { key: acme.key })).body);
      return asset.status !== 'preparing';
    },
    { timeoutMs: 20_000, what: `asset ${id} indexed` },
  );
  return asset as ReturnType<typeof AssetSchema.parse>;
}

function source(playbackId: string, range?: string, credential = edge.credential) {
  return fetch(`${api.url}${EdgeApiPaths.assetSource(playbackId)}`, {
    headers: { authorization: `Bearer ${credential}`, ...(range ? { range } : {}) },
    signal: AbortSignal.timeout(10_000),
  });
}

before(async () => {
  api = await TestApi.start({
    FLEET_HTTP_URL: 'https://play.example.com',
    FLEET_RTMP_URL: 'rtmp://play.example.com/live',
  });
  operator = await api.login();
  acme = await api.tenantWithKey('Acme', operator);
  edge = await api.edge(operator);
  const path = join(files.path, 'clip.mp4');
  const made = await run('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25'],
    ...['-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', path],
  ]);
  assert.equal(made.code, 0, made.stderr);
  mp4 = readFileSync(path);
});
after(async () => {
  await api?.close();
  await files.remove();
});

test('a ready asset is found by playback id and its file is read by ranges; its resource names its RTMP and HLS URLs', async () => {
  const uploaded = await uploadAsset(acme.key, mp4);
  assert.equal(uploaded.playback, null, 'no playback URL before the asset is ready');
  const asset = await ready(uploaded.id);
  assert.equal(asset.status, 'ready');
  assert.deepEqual(asset.playback, {
    rtmp: `rtmp://play.example.com/vod/${asset.playbackId}`,
    hls: `https://play.example.com/vod/${asset.playbackId}/index.m3u8`,
    poster: `https://play.example.com/vod/${asset.playbackId}/poster.jpg`,
  });

  const found = await api.request('GET', EdgeApiPaths.asset(asset.playbackId), { key: edge.credential });
  assert.equal(found.status, 200);
  assert.deepEqual(EdgeAssetSchema.parse(found.body), {
    assetId: asset.id,
    tenantId: acme.tenantId,
    playbackId: asset.playbackId,
    playbackPolicy: 'public',
    status: 'ready',
    sizeBytes: mp4.length,
    updatedAt: asset.updatedAt,
  });

  const head = await source(asset.playbackId, 'bytes=0-99');
  assert.equal(head.status, 206);
  assert.equal(head.headers.get('content-range'), `bytes 0-99/${mp4.length}`);
  assert.deepEqual(Buffer.from(await head.arrayBuffer()), mp4.subarray(0, 100));
  const tail = await source(asset.playbackId, `bytes=${mp4.length - 10}-${mp4.length + 1000}`);
  assert.equal(tail.status, 206);
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), mp4.subarray(mp4.length - 10));
  const whole = await source(asset.playbackId, 'bytes=0-');
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), mp4);
});

test('hostile ranges are 416 with the size; unknown, other credentials and non-ready assets are refused', async () => {
  const asset = await ready((await uploadAsset(acme.key, mp4)).id);
  for (const range of [
    undefined,
    'bytes=0-1,4-5',
    `bytes=${mp4.length}-`,
    'bytes=9-3',
    'pages=0-1',
    `bytes=0-${EDGE_ASSET_MAX_RANGE_BYTES}`,
  ]) {
    const res = await source(asset.playbackId, range);
    assert.equal(res.status, 416, String(range));
    assert.equal(res.headers.get('content-range'), `bytes */${mp4.length}`);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'bad_request');
  }
  assert.equal((await source('nosuchplaybackid', 'bytes=0-1')).status, 404);
  assert.equal(
    (await api.request('GET', EdgeApiPaths.asset('nosuchplaybackid'), { key: edge.credential })).status,
    404,
  );
  // A tenant's API key is not an edge credential.
  assert.equal((await source(asset.playbackId, 'bytes=0-1', acme.key)).status, 401);

  // A file the indexer refuses is errored: looked up with its status, its bytes never served.
  const garbage = await ready((await uploadAsset(acme.key, Buffer.alloc(4096, 7))).id);
  assert.equal(garbage.status, 'errored');
  assert.equal(garbage.playback, null);
  const looked = await api.request('GET', EdgeApiPaths.asset(garbage.playbackId), { key: edge.credential });
  assert.equal(EdgeAssetSchema.parse(looked.body).status, 'errored');
  assert.equal((await source(garbage.playbackId, 'bytes=0-1')).status, 404);
});

test("playback tokens are minted for an asset's playback id, with its RTMP and HLS URLs", async () => {
  const asset = await ready((await uploadAsset(acme.key, mp4, { playbackPolicy: 'signed' })).id);
  const minted = await api.request('POST', '/v1/playback-tokens', {
    key: acme.key,
    body: { playbackId: asset.playbackId, ttlSeconds: 300 },
  });
  assert.equal(minted.status, 201, JSON.stringify(minted.body));
  const token = PlaybackTokenSchema.parse(minted.body);
  assert.equal(
    token.playback.hls,
    `https://play.example.com/vod/${asset.playbackId}/index.m3u8?token=${encodeURIComponent(token.token)}`,
  );
  assert.equal(token.playback.flv, null);
  assert.equal(
    token.playback.rtmp,
    `rtmp://play.example.com/vod/${asset.playbackId}?token=${encodeURIComponent(token.token)}`,
    'RTMP on demand in the server’s vod application',
  );
  const other = await api.tenantWithKey('Other', operator);
  const refused = await api.request('POST', '/v1/playback-tokens', {
    key: other.key,
    body: { playbackId: asset.playbackId, ttlSeconds: 300 },
  });
  assert.equal(refused.status, 404, "another tenant's asset is not found");
});
