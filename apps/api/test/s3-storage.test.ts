import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AssetSchema, EdgeApiPaths, RecordingUploadResponseSchema } from '@tributary/contracts';
import { tempDir, waitUntil } from '@tributary/test-kit';
import * as tus from 'tus-js-client';
import { TestApi } from './support/api';
import { ffmpeg, lavfiTestInputs } from './support/media';
import { TestS3 } from './support/s3';

/**
 * S3-compatible asset storage (ASSET_STORAGE=s3, issue 12) through the real api and a real S3 server
 * (s3rver on a random port): multipart and resumable uploads land as one object each and are indexed
 * from it by range; an edge reads ranges of it through /source; recordings go there too; delete
 * removes the object; with the S3 server down an upload or a recording becomes an `errored` asset
 * with the reason, and nothing half-written is ever visible.
 */

type Asset = ReturnType<typeof AssetSchema.parse>;

let api: TestApi;
let s3: TestS3;
let operator: string;
let acme: { tenantId: string; key: string };
let edge: { edgeId: string; credential: string };
const files = tempDir('tributary-s3-test-');
const bucketDir = tempDir('tributary-s3-bucket-');
let mp4: Buffer;
let flv: Buffer;
/** A ready asset on S3, read again while S3 is down. */
let readyPlaybackId = '';
/** A webhook receiver: asset.errored events of storage failures reach it like indexing's. */
let receiver: Server;
const received: { type: string; data: { id: string; error: string } }[] = [];

const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

async function multipart(bytes: Buffer, filename: string, name?: string) {
  const form = new FormData();
  if (name) form.set('name', name);
  form.set('file', new Blob([bytes]), filename);
  const res = await fetch(`${api.url}/v1/assets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${acme.key}` },
    body: form,
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as Asset };
}

function tusUpload(bytes: Buffer, filename: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tus upload timed out')), 60_000);
    new tus.Upload(bytes, {
      endpoint: `${api.url}/v1/assets/uploads`,
      headers: { authorization: `Bearer ${acme.key}` },
      chunkSize: 256 * 1024,
      retryDelays: [],
      metadata: { filename },
      onError: (err) => {
        clearTimeout(timer);
        reject(err);
      },
      onSuccess: ({ lastResponse }) => {
        clearTimeout(timer);
        resolve(lastResponse.getHeader('asset-id') as string);
      },
    }).start();
  });
}

async function settled(id: string): Promise<Asset> {
  let asset: Asset | undefined;
  await waitUntil(
    async () => {
      asset = AssetSchema.parse((await api.request('GET', `/v1/assets/${id}`, { key: acme.key })).body);
      return asset.status !== 'preparing';
    },
    { timeoutMs: 30_000, what: `asset ${id} indexed` },
  );
  return asset as Asset;
}

const objectKey = (assetId: string) => `${acme.tenantId}/${assetId}/source`;

before(async () => {
  s3 = await TestS3.start(bucketDir.path);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookPort = (receiver.address() as AddressInfo).port;
  api = await TestApi.start({
    ...s3.env(),
    ASSET_MAX_UPLOAD_BYTES: String(8 * 1024 * 1024),
    WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${hookPort}`,
  });
  operator = await api.login();
  acme = await api.tenantWithKey('Acme', operator);
  edge = await api.edge(operator, 's3-edge');
  const hook = await api.request('POST', '/v1/webhooks', {
    key: acme.key,
    body: { url: `http://127.0.0.1:${hookPort}/hook`, events: ['asset.errored'] },
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  const src = lavfiTestInputs();
  for (const [out, extra] of [
    ['talk.mp4', ['-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac']],
    ['clip.flv', ['-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'libmp3lame']],
  ] as const) {
    await ffmpeg([...src, ...extra, join(files.path, out)]);
  }
  mp4 = readFileSync(join(files.path, 'talk.mp4'));
  flv = readFileSync(join(files.path, 'clip.flv'));
});
after(async () => {
  await api?.close();
  await s3?.close();
  receiver?.close();
  await files.remove();
  await bucketDir.remove();
});

describe('assets on S3-compatible storage', () => {
  it('a multipart upload becomes one object, indexed from S3 to ready; an edge reads its ranges; delete removes it', async () => {
    const up = await multipart(mp4, 'talk.mp4', 'On S3');
    assert.equal(up.status, 201);
    const asset = await settled(up.body.id);
    assert.equal(asset.status, 'ready', asset.error ?? '');
    assert.equal(asset.tracks.video?.codec, 'h264');
    assert.equal(asset.tracks.audio?.codec, 'aac');
    assert.equal(await s3.size(objectKey(asset.id)), mp4.length);
    // Nothing else in the bucket: no temporary objects, no spool leftovers.
    assert.deepEqual(await s3.keys(), [objectKey(asset.id)]);

    const whole = await fetch(`${api.url}${EdgeApiPaths.assetSource(asset.playbackId)}`, {
      headers: { authorization: `Bearer ${edge.credential}`, range: `bytes=0-${mp4.length - 1}` },
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(whole.status, 206);
    assert.equal(sha(Buffer.from(await whole.arrayBuffer())), sha(mp4));
    const middle = await fetch(`${api.url}${EdgeApiPaths.assetSource(asset.playbackId)}`, {
      headers: { authorization: `Bearer ${edge.credential}`, range: 'bytes=1000-1999' },
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(middle.status, 206);
    assert.deepEqual(Buffer.from(await middle.arrayBuffer()), mp4.subarray(1000, 2000));

    assert.equal((await api.request('DELETE', `/v1/assets/${asset.id}`, { key: acme.key })).status, 204);
    assert.equal(await s3.size(objectKey(asset.id)), null, 'the object went with the asset');
  });

  it('a resumable (tus) upload and an FLV (H.264 + MP3) land on S3 too', async () => {
    const id = await tusUpload(mp4, 'resumable.mp4');
    const asset = await settled(id);
    readyPlaybackId = asset.playbackId;
    assert.equal(asset.status, 'ready', asset.error ?? '');
    assert.equal(asset.name, 'resumable.mp4');
    assert.equal(await s3.size(objectKey(id)), mp4.length);
    const f = await multipart(flv, 'clip.flv');
    const flvAsset = await settled(f.body.id);
    assert.equal(flvAsset.status, 'ready', flvAsset.error ?? '');
    assert.equal(flvAsset.tracks.audio?.codec, 'mp3');
    assert.equal(await s3.size(objectKey(flvAsset.id)), flv.length);
  });

  it("a live session's recording is stored on S3, listed with its stream (?liveStreamId=)", async () => {
    const stream = await api.liveStream<{ id: string }>(acme.key, { name: 'Town hall', record: true });
    const sessionId = await api.startSession(edge.credential, stream.id, '192.0.2.7');
    const res = await api.handOverRecording(
      edge.credential,
      { liveStreamId: stream.id, sessionId, startedAt: new Date().toISOString() },
      flv,
    );
    assert.equal(res.status, 201);
    const handed = RecordingUploadResponseSchema.parse(await res.json());
    const asset = await settled(handed.assetId);
    assert.equal(asset.status, 'ready', asset.error ?? '');
    assert.equal(asset.source, 'recording');
    assert.equal(asset.liveStreamId, stream.id);
    assert.equal(await s3.size(objectKey(asset.id)), flv.length);
    const listed = (await api.request('GET', `/v1/assets?liveStreamId=${stream.id}`, { key: acme.key })).body
      .data as Asset[];
    assert.deepEqual(
      listed.map((a) => a.id),
      [asset.id],
      "only that stream's recordings",
    );
    const none = (await api.request('GET', '/v1/assets?liveStreamId=ls_none', { key: acme.key })).body.data;
    assert.deepEqual(none, []);
  });

  it('with S3 down an edge read is 503, an upload and a recording become errored assets with the reason; back up, uploads work again', async () => {
    const before = await s3.keys();
    await s3.stop();
    try {
      // An edge reading a ready asset gets 503 (retry later), not a 500 or a hang.
      const read = await fetch(`${api.url}${EdgeApiPaths.assetSource(readyPlaybackId)}`, {
        headers: { authorization: `Bearer ${edge.credential}`, range: 'bytes=0-999' },
        signal: AbortSignal.timeout(30_000),
      });
      assert.equal(read.status, 503);
      assert.match(
        ((await read.json()) as { error: { message: string } }).error.message,
        /the S3 storage did not answer a read \(ECONNREFUSED\); retry shortly/,
      );

      const up = await multipart(mp4, 'talk.mp4', 'While S3 is down');
      assert.equal(up.status, 201);
      assert.equal(up.body.status, 'errored');
      assert.match(
        up.body.error ?? '',
        /S3 storage did not store the file \(ECONNREFUSED\); upload it again/,
      );
      assert.equal(up.body.playback, null);

      const resumable = AssetSchema.parse(
        (
          await api.request('GET', `/v1/assets/${await tusUpload(mp4, 'resumable-down.mp4')}`, {
            key: acme.key,
          })
        ).body,
      );
      assert.equal(resumable.status, 'errored');
      assert.match(resumable.error ?? '', /S3 storage did not store the file/);

      const stream = await api.liveStream<{ id: string }>(acme.key, { name: 'Outage', record: true });
      const rec = await api.handOverRecording(
        edge.credential,
        { liveStreamId: stream.id, startedAt: new Date().toISOString() },
        flv,
      );
      assert.equal(rec.status, 201);
      const recAsset = AssetSchema.parse(
        (
          await api.request(
            'GET',
            `/v1/assets/${RecordingUploadResponseSchema.parse(await rec.json()).assetId}`,
            {
              key: acme.key,
            },
          )
        ).body,
      );
      assert.equal(recAsset.status, 'errored');
      assert.match(
        recAsset.error ?? '',
        /^the recording could not be stored: the S3 storage did not store the file/,
      );
      // Each reached the tenant's webhook as asset.errored with the same reason.
      await waitUntil(async () => received.length >= 3, {
        timeoutMs: 15_000,
        what: 'asset.errored webhooks',
      });
      assert.deepEqual(
        received.map((e) => [e.type, e.data.id]).sort(),
        [up.body.id, resumable.id, recAsset.id].map((id) => ['asset.errored', id]).sort(),
      );
      assert.ok(received.every((e) => /S3 storage did not store the file/.test(e.data.error)));
    } finally {
      await s3.start();
    }
    assert.deepEqual(await s3.keys(), before, 'nothing half-written appeared in the bucket');
    const again = await multipart(mp4, 'talk.mp4');
    assert.equal((await settled(again.body.id)).status, 'ready');
  });
});
