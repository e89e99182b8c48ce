import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AssetSchema, RecordingUploadResponseSchema } from '@tributary/contracts';
import { tempDir, waitUntil } from '@tributary/test-kit';
import { TestApi } from './support/api';
import { ffmpeg, lavfiTestInputs } from './support/media';

/**
 * On-demand assets (issue 12) through the real api: a multipart upload of files ffmpeg made is stored
 * whole, indexed and becomes `ready` with its tracks and duration; files it cannot play become
 * `errored` with the reason; too large, empty or malformed requests keep nothing; tenants see only
 * their own; delete removes the file.
 */

let api: TestApi;
let operator: string;
let acme: { tenantId: string; key: string };
let other: { tenantId: string; key: string };
const files = tempDir('tributary-assets-test-');
const storage = tempDir('tributary-assets-storage-');
const MAX_UPLOAD = 2 * 1024 * 1024;

async function upload(key: string, form: FormData) {
  const res = await fetch(`${api.url}/v1/assets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function fileForm(path: string, filename: string, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([readFileSync(path)]), filename);
  return form;
}

async function settled(key: string, id: string) {
  let asset: ReturnType<typeof AssetSchema.parse> | undefined;
  await waitUntil(
    async () => {
      asset = AssetSchema.parse((await api.request('GET', `/v1/assets/${id}`, { key })).body);
      return asset.status !== 'preparing';
    },
    { timeoutMs: 20_000, what: `asset ${id} indexed` },
  );
  return asset as ReturnType<typeof AssetSchema.parse>;
}

/** Every file under the storage root (uploads in progress end in .part). */
function storedFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else out.push(join(dir, e.name));
    }
  };
  if (existsSync(storage.path)) walk(storage.path);
  return out;
}

before(async () => {
  api = await TestApi.start({ ASSET_STORAGE_DIR: storage.path, ASSET_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) });
  operator = await api.login();
  acme = await api.tenantWithKey('Acme', operator);
  other = await api.tenantWithKey('Other', operator, { quotaAssets: 1 });
  const src = lavfiTestInputs();
  await ffmpeg([
    ...src,
    '-t',
    '3',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-c:a',
    'aac',
    '-movflags',
    '+faststart',
    join(files.path, 'talk.mp4'),
  ]);
  await ffmpeg([
    ...src,
    '-t',
    '2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    join(files.path, 'clip.flv'),
  ]);
  await ffmpeg([
    ...src,
    '-t',
    '2',
    '-c:v',
    'libx265',
    '-preset',
    'ultrafast',
    '-x265-params',
    'log-level=none',
    '-an',
    join(files.path, 'hevc.mp4'),
  ]);
  await ffmpeg([
    ...src,
    '-t',
    '30',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-b:v',
    '2M',
    '-c:a',
    'aac',
    join(files.path, 'big.mp4'),
  ]);
});
after(async () => {
  await api?.close();
  await files.remove();
  await storage.remove();
});

describe('assets', () => {
  it('uploads an MP4 in one multipart request; it is indexed to ready with its tracks and duration', async () => {
    const res = await upload(
      acme.key,
      fileForm(join(files.path, 'talk.mp4'), 'talk.mp4', { playbackPolicy: 'signed' }),
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const created = AssetSchema.parse(res.body);
    assert.equal(created.name, 'talk.mp4', 'named after the file unless a name is given');
    assert.equal(created.source, 'upload');
    assert.equal(created.playbackPolicy, 'signed');
    assert.equal(created.sizeBytes, readFileSync(join(files.path, 'talk.mp4')).length);
    const ready = await settled(acme.key, created.id);
    assert.equal(ready.status, 'ready', ready.error ?? '');
    assert.ok(
      ready.durationMs !== null && Math.abs(ready.durationMs - 3000) < 100,
      `duration ${ready.durationMs}`,
    );
    assert.deepEqual(ready.tracks, {
      video: { codec: 'h264', width: 320, height: 240, frameRate: 25 },
      audio: { codec: 'aac', sampleRate: 44100, channels: 1 },
    });
    // Stored whole, under the api's own key (never the uploader's file name).
    const stored = storedFiles();
    assert.equal(stored.length, 1);
    assert.ok(
      stored[0]?.includes(acme.tenantId) && stored[0]?.includes(created.id) && !stored[0]?.includes('talk'),
    );
  });

  it('indexes an FLV too, with the name given in the form', async () => {
    const res = await upload(
      acme.key,
      fileForm(join(files.path, 'clip.flv'), 'x.flv', { name: 'Opening clip' }),
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const ready = await settled(acme.key, res.body.id);
    assert.equal(ready.status, 'ready', ready.error ?? '');
    assert.equal(ready.name, 'Opening clip');
    assert.equal(ready.tracks.video?.codec, 'h264');
  });

  it('turns files it cannot play into errored assets with the reason', async () => {
    const hevc = await upload(acme.key, fileForm(join(files.path, 'hevc.mp4'), 'hevc.mp4'));
    assert.equal(hevc.status, 201);
    const errored = await settled(acme.key, hevc.body.id);
    assert.equal(errored.status, 'errored');
    assert.match(errored.error ?? '', /HEVC/);
    const form = new FormData();
    form.set('file', new Blob(['just some text, not a video']), 'notes.mp4');
    const text = await upload(acme.key, form);
    const refused = await settled(acme.key, text.body.id);
    assert.deepEqual([refused.status, refused.error], ['errored', 'not an MP4 or FLV file']);
  });

  it('refuses a file over the upload limit with 413, keeping no bytes of it', async () => {
    const before = storedFiles().length;
    const res = await upload(acme.key, fileForm(join(files.path, 'big.mp4'), 'big.mp4'));
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'payload_too_large');
    assert.equal(storedFiles().length, before, 'nothing half-written is left');
    assert.ok(!storedFiles().some((f) => f.endsWith('.part')));
  });

  it('refuses a file over the limit sent without a length (chunked), reading it away and keeping nothing', async () => {
    const before = storedFiles().length;
    const boundary = 'tributary-test-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const big = readFileSync(join(files.path, 'big.mp4'));
    assert.ok(big.length > MAX_UPLOAD);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
        for (let at = 0; at < big.length; at += 64 * 1024)
          controller.enqueue(big.subarray(at, at + 64 * 1024));
        controller.enqueue(tail);
        controller.close();
      },
    });
    const res = await fetch(`${api.url}/v1/assets`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${acme.key}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body,
      duplex: 'half',
      signal: AbortSignal.timeout(30_000),
    } as RequestInit);
    assert.equal(res.status, 413, await res.text());
    assert.equal(storedFiles().length, before);
    assert.ok(!storedFiles().some((f) => f.endsWith('.part')));
  });

  it('refuses requests without a file, with an empty file, or not multipart', async () => {
    const noFile = new FormData();
    noFile.set('name', 'nothing');
    assert.equal((await upload(acme.key, noFile)).status, 400);
    const empty = new FormData();
    empty.set('file', new Blob([]), 'empty.mp4');
    assert.equal((await upload(acme.key, empty)).status, 400);
    const json = await api.request('POST', '/v1/assets', { key: acme.key, body: { file: 'x' } });
    assert.equal(json.status, 400);
    assert.match(json.body.error.message, /multipart\/form-data/);
    const badPolicy = fileForm(join(files.path, 'clip.flv'), 'c.flv', { playbackPolicy: 'everyone' });
    assert.equal((await upload(acme.key, badPolicy)).status, 400);
  });

  it('keeps tenants apart, renames, applies the asset quota, and deletes the file with the asset', async () => {
    const list = await api.request('GET', '/v1/assets', { key: acme.key });
    assert.equal(list.status, 200);
    const mine = list.body.data.map((a: { id: string }) => a.id);
    assert.ok(mine.length >= 4);
    const first = mine[mine.length - 1];
    assert.equal((await api.request('GET', `/v1/assets/${first}`, { key: other.key })).status, 404);
    assert.equal((await api.request('DELETE', `/v1/assets/${first}`, { key: other.key })).status, 404);
    assert.deepEqual((await api.request('GET', '/v1/assets', { key: other.key })).body.data, []);

    const renamed = await api.request('PATCH', `/v1/assets/${first}`, {
      key: acme.key,
      body: { name: 'Keynote' },
    });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'Keynote');

    // Other's quota is one asset.
    assert.equal((await upload(other.key, fileForm(join(files.path, 'clip.flv'), 'a.flv'))).status, 201);
    const over = await upload(other.key, fileForm(join(files.path, 'clip.flv'), 'b.flv'));
    assert.equal(over.status, 422);
    assert.equal(over.body.error.code, 'quota_exceeded');

    const count = storedFiles().length;
    assert.equal((await api.request('DELETE', `/v1/assets/${first}`, { key: acme.key })).status, 204);
    assert.equal((await api.request('GET', `/v1/assets/${first}`, { key: acme.key })).status, 404);
    assert.equal(storedFiles().length, count - 1, 'its file is gone');
  });
});

describe('recordings handed over by edges', () => {
  it('a recording of a live session becomes a ready asset of the stream tenant; a failed one an errored asset', async () => {
    const edgeA = await api.edge(operator, 'rec-edge-a');
    const edgeB = await api.edge(operator, 'rec-edge-b');
    const stream = await api.liveStream<{ id: string }>(acme.key, { name: 'Town hall', record: true });
    const sessionId = await api.startSession(edgeA.credential, stream.id, '192.0.2.7');
    const startedAt = new Date().toISOString();
    const send = (credential: string, query: Record<string, string>, body?: Buffer) =>
      api.handOverRecording(credential, query, body);
    const flv = readFileSync(join(files.path, 'clip.flv'));
    const query = { liveStreamId: stream.id, sessionId, startedAt };
    // Only the edge that carried the session, and only an edge.
    assert.equal((await send(edgeB.credential, query, flv)).status, 404);
    assert.equal((await send(acme.key, query, flv)).status, 401);
    const res = await send(edgeA.credential, query, flv);
    assert.equal(res.status, 201);
    const handed = RecordingUploadResponseSchema.parse(await res.json());
    const asset = await settled(acme.key, handed.assetId);
    assert.deepEqual(
      [asset.status, asset.source, asset.playbackId],
      ['ready', 'recording', handed.playbackId],
    );
    assert.match(asset.name, /^Town hall · \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.equal(asset.sizeBytes, flv.length);
    assert.equal(asset.tracks.video?.codec, 'h264');

    const failed = await send(edgeA.credential, { ...query, failed: 'disk_full' });
    assert.equal(failed.status, 201);
    const errored = AssetSchema.parse(
      (
        await api.request('GET', `/v1/assets/${((await failed.json()) as { assetId: string }).assetId}`, {
          key: acme.key,
        })
      ).body,
    );
    assert.deepEqual(
      [errored.status, errored.error],
      ['errored', 'the recording failed at the edge (disk full)'],
    );
  });
});
