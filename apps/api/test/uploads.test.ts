import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AssetSchema } from '@tributary/contracts';
import { tempDir, waitUntil } from '@tributary/test-kit';
import * as tus from 'tus-js-client';
import { TestApi } from './support/api';
import { ffmpeg, lavfiTestInputs } from './support/media';

/**
 * Resumable uploads (issue 12), the tus 1.0.0 protocol through the real api with a real tus client
 * (tus-js-client in Node) and raw requests where the protocol's edges are tested: a chunked upload
 * becomes an asset exactly like a multipart one; an interrupted PATCH is resumed from the offset the
 * server kept; a wrong offset is a 409, an over-size length a 413, another tenant's upload a 404;
 * unfinished uploads are never served and expire.
 */

const MAX_UPLOAD = 4 * 1024 * 1024;
const TUS = { 'tus-resumable': '1.0.0' };
let api: TestApi;
let operator: string;
let acme: { tenantId: string; key: string };
let other: { tenantId: string; key: string };
const files = tempDir('tributary-uploads-test-');
const storage = tempDir('tributary-uploads-storage-');
const uploads = tempDir('tributary-uploads-dir-');
let mp4: Buffer;

type Asset = ReturnType<typeof AssetSchema.parse>;

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A tus-js-client upload to the end; resolves with the upload URL and the asset id the last PATCH named. */
function tusUpload(
  key: string,
  bytes: Buffer,
  options: Partial<tus.UploadOptions> = {},
): Promise<{ url: string; assetId: string | undefined }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tus upload timed out')), 30_000);
    const upload = new tus.Upload(bytes, {
      endpoint: `${api.url}/v1/assets/uploads`,
      headers: { authorization: `Bearer ${key}` },
      chunkSize: 256 * 1024,
      retryDelays: [],
      metadata: { filename: 'talk.mp4', name: 'Keynote' },
      ...options,
      onError: (err) => {
        clearTimeout(timer);
        reject(err);
      },
      onSuccess: ({ lastResponse }) => {
        clearTimeout(timer);
        resolve({ url: upload.url as string, assetId: lastResponse.getHeader('asset-id') });
      },
    });
    upload.start();
  });
}

async function tusFetch(
  method: string,
  path: string,
  key: string | undefined,
  headers: Record<string, string> = {},
  body?: Buffer,
) {
  const res = await fetch(path.startsWith('http') ? path : `${api.url}${path}`, {
    method,
    headers: { ...TUS, ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    ...(body ? { body } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

async function create(key: string, length: number, extra: Record<string, string> = {}) {
  const res = await tusFetch('POST', '/v1/assets/uploads', key, {
    'upload-length': String(length),
    ...extra,
  });
  const location = res.headers.get('location');
  return { ...res, url: location ? new URL(location, `${api.url}/v1/assets/uploads/`).href : undefined };
}

async function settled(key: string, id: string): Promise<Asset> {
  let asset: Asset | undefined;
  await waitUntil(
    async () => {
      asset = AssetSchema.parse((await api.request('GET', `/v1/assets/${id}`, { key })).body);
      return asset.status !== 'preparing';
    },
    { timeoutMs: 20_000, what: `asset ${id} indexed` },
  );
  return asset as Asset;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Sends `bytes` as a PATCH at `offset` but cuts the connection after `sendFirst` of them. */
function interruptedPatch(
  url: string,
  key: string,
  offset: number,
  bytes: Buffer,
  sendFirst: number,
): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(url, {
      method: 'PATCH',
      headers: {
        ...TUS,
        authorization: `Bearer ${key}`,
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
        'content-length': String(bytes.length),
      },
    });
    req.on('error', () => resolve());
    req.on('response', (res) => {
      res.resume();
      resolve();
    });
    req.write(bytes.subarray(0, sendFirst), () => {
      // Give the server time to write what arrived, then drop the connection mid-body.
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
  });
}

before(async () => {
  api = await TestApi.start({
    ASSET_STORAGE_DIR: storage.path,
    ASSET_UPLOAD_DIR: uploads.path,
    ASSET_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
  });
  operator = await api.login();
  acme = await api.tenantWithKey('Acme', operator);
  other = await api.tenantWithKey('Other', operator, { quotaAssets: 1 });
  await ffmpeg([
    ...lavfiTestInputs(),
    '-t',
    '4',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-b:v',
    '1M',
    '-c:a',
    'aac',
    '-movflags',
    '+faststart',
    join(files.path, 'talk.mp4'),
  ]);
  mp4 = readFileSync(join(files.path, 'talk.mp4'));
  assert.ok(mp4.length > 300 * 1024, `the test file spans several chunks (${mp4.length} bytes)`);
});
after(async () => {
  await api?.close();
  await files.remove();
  await storage.remove();
  await uploads.remove();
});

describe('resumable uploads (tus)', () => {
  it('a chunked tus-js-client upload becomes an asset (preparing → ready), its bytes stored whole, the upload removed', async () => {
    const { url, assetId } = await tusUpload(acme.key, mp4);
    assert.match(url, /\/v1\/assets\/uploads\/tn_[A-Za-z0-9_-]+\.[0-9a-f]{32}$/);
    assert.ok(assetId, 'the final PATCH names the asset');
    const asset = await settled(acme.key, assetId);
    assert.equal(asset.status, 'ready', asset.error ?? '');
    assert.equal(asset.name, 'Keynote');
    assert.equal(asset.source, 'upload');
    assert.equal(asset.liveStreamId, null);
    assert.equal(asset.sizeBytes, mp4.length);
    assert.equal(asset.tracks.video?.codec, 'h264');
    assert.equal(asset.tracks.audio?.codec, 'aac');
    assert.ok(asset.durationMs !== null && Math.abs(asset.durationMs - 4000) < 200, String(asset.durationMs));
    const stored = walk(storage.path).filter((p) => p.includes(assetId));
    assert.equal(stored.length, 1);
    assert.equal(sha(readFileSync(stored[0] as string)), sha(mp4));
    // Nothing of the upload is left in the upload directory, and its URL is gone.
    assert.deepEqual(walk(uploads.path), []);
    assert.equal((await tusFetch('HEAD', url, acme.key)).status, 404);
  });

  it('resumes after a PATCH cut off mid-body: HEAD answers what the server kept, the client sends the rest', async () => {
    const created = await create(acme.key, mp4.length, {
      'upload-metadata': `filename ${Buffer.from('resumed.mp4').toString('base64')}`,
    });
    assert.equal(created.status, 201, created.text);
    assert.ok(created.url);
    assert.ok(created.headers.get('upload-expires'), 'creation names when the unfinished upload expires');
    await interruptedPatch(created.url, acme.key, 0, mp4, 200 * 1024);
    let offset = 0;
    await waitUntil(
      async () => {
        const head = await tusFetch('HEAD', created.url as string, acme.key);
        assert.equal(head.status, 200);
        assert.equal(head.headers.get('upload-length'), String(mp4.length));
        assert.equal(head.headers.get('cache-control'), 'no-store');
        offset = Number(head.headers.get('upload-offset'));
        return offset > 0;
      },
      { timeoutMs: 10_000, what: 'the interrupted PATCH counted' },
    );
    assert.ok(offset > 0 && offset <= 200 * 1024, `kept ${offset} of the 200 KiB sent`);
    // Unfinished: not an asset, and its bytes are not served.
    const listed = (await api.request('GET', '/v1/assets', { key: acme.key })).body.data as Asset[];
    assert.ok(!listed.some((a) => a.name === 'resumed.mp4'));
    assert.equal((await tusFetch('GET', created.url, acme.key)).status, 405);
    // A real client picks the upload up at the offset the server kept.
    let firstChunk: { size: number; accepted: number } | undefined;
    const { assetId } = await tusUpload(acme.key, mp4, {
      uploadUrl: created.url,
      metadata: { filename: 'resumed.mp4' },
      onChunkComplete: (size, accepted) => {
        firstChunk ??= { size, accepted };
      },
    });
    assert.ok(firstChunk, 'the client sent chunks');
    assert.equal(firstChunk.accepted - firstChunk.size, offset, 'the first chunk went at the kept offset');
    assert.ok(assetId);
    const asset = await settled(acme.key, assetId);
    assert.equal(asset.status, 'ready', asset.error ?? '');
    assert.equal(asset.name, 'resumed.mp4');
    const stored = walk(storage.path).filter((p) => p.includes(assetId));
    assert.equal(
      sha(readFileSync(stored[0] as string)),
      sha(mp4),
      'the resumed file is byte for byte the source',
    );
  });

  it('refuses a PATCH at the wrong offset with 409 and keeps the upload as it was', async () => {
    const created = await create(acme.key, 1000);
    assert.ok(created.url);
    const headers = { 'content-type': 'application/offset+octet-stream' };
    const ahead = await tusFetch(
      'PATCH',
      created.url,
      acme.key,
      { ...headers, 'upload-offset': '5' },
      Buffer.alloc(10),
    );
    assert.equal(ahead.status, 409);
    const first = await tusFetch(
      'PATCH',
      created.url,
      acme.key,
      { ...headers, 'upload-offset': '0' },
      Buffer.alloc(100, 1),
    );
    assert.equal(first.status, 204);
    assert.equal(first.headers.get('upload-offset'), '100');
    const replay = await tusFetch(
      'PATCH',
      created.url,
      acme.key,
      { ...headers, 'upload-offset': '0' },
      Buffer.alloc(100, 2),
    );
    assert.equal(replay.status, 409, 'a replayed chunk is refused, not appended');
    const head = await tusFetch('HEAD', created.url, acme.key);
    assert.equal(head.headers.get('upload-offset'), '100');
    // A body past the declared length is refused too.
    const past = await tusFetch(
      'PATCH',
      created.url,
      acme.key,
      { ...headers, 'upload-offset': '100' },
      Buffer.alloc(1000),
    );
    assert.equal(past.status, 413);
    assert.equal((await tusFetch('DELETE', created.url, acme.key)).status, 204);
  });

  it('refuses an Upload-Length over ASSET_MAX_UPLOAD_BYTES (413), a deferred or missing length, and bad metadata', async () => {
    const over = await create(acme.key, MAX_UPLOAD + 1);
    assert.equal(over.status, 413);
    assert.equal(over.url, undefined);
    const deferred = await tusFetch('POST', '/v1/assets/uploads', acme.key, { 'upload-defer-length': '1' });
    assert.equal(deferred.status, 400);
    const none = await tusFetch('POST', '/v1/assets/uploads', acme.key);
    assert.equal(none.status, 400);
    const long = await create(acme.key, 100, {
      'upload-metadata': `name ${Buffer.from('x'.repeat(500)).toString('base64')}`,
    });
    assert.equal(long.status, 400);
    const policy = await create(acme.key, 100, {
      'upload-metadata': `playbackPolicy ${Buffer.from('open').toString('base64')}`,
    });
    assert.equal(policy.status, 422);
    assert.deepEqual(walk(uploads.path), [], 'refused creations keep nothing');
  });

  it("answers another tenant's upload id as unknown (404) for HEAD, PATCH and DELETE, and needs a key", async () => {
    const created = await create(acme.key, 1000);
    assert.ok(created.url);
    for (const method of ['HEAD', 'PATCH', 'DELETE']) {
      const res = await tusFetch(
        method,
        created.url,
        other.key,
        {
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        },
        method === 'PATCH' ? Buffer.alloc(10) : undefined,
      );
      assert.equal(res.status, 404, `${method} by the other tenant`);
    }
    const shaped = created.url.replace(/\.[0-9a-f]{32}$/, `.${'0'.repeat(32)}`);
    assert.equal((await tusFetch('HEAD', shaped, acme.key)).status, 404);
    assert.equal(
      (await tusFetch('HEAD', `${api.url}/v1/assets/uploads/..%2f..%2fetc`, acme.key)).status,
      404,
    );
    assert.equal((await tusFetch('HEAD', created.url, undefined)).status, 401);
    assert.equal((await tusFetch('HEAD', created.url, acme.key)).headers.get('upload-offset'), '0');
    // Terminated: gone for its owner too, bytes removed.
    assert.equal((await tusFetch('DELETE', created.url, acme.key)).status, 204);
    assert.equal((await tusFetch('HEAD', created.url, acme.key)).status, 404);
    assert.deepEqual(walk(uploads.path), []);
  });

  it('checks the asset quota at creation, before a byte is sent, and again when the upload becomes an asset', async () => {
    // Other's quota is one asset. Two uploads opened while it has none both fit; the first to finish
    // takes the room, the second's last PATCH is refused and its bytes removed.
    const first = await create(other.key, mp4.length);
    const second = await create(other.key, mp4.length);
    assert.ok(first.url && second.url);
    const { assetId } = await tusUpload(other.key, mp4, { uploadUrl: first.url });
    assert.ok(assetId);
    await assert.rejects(tusUpload(other.key, mp4, { uploadUrl: second.url }), /response code: 422/);
    assert.equal((await tusFetch('HEAD', second.url, other.key)).status, 404);
    assert.deepEqual(walk(uploads.path), []);
    const refused = await create(other.key, mp4.length);
    assert.equal(refused.status, 422, refused.text);
    assert.match(refused.text, /at most 1 assets/);
    assert.equal(refused.url, undefined);
  });
});

describe('resumable upload expiry and caps', () => {
  let short: TestApi;
  const shortUploads = tempDir('tributary-uploads-short-');
  before(async () => {
    short = await TestApi.start(
      {
        ASSET_STORAGE_DIR: storage.path,
        ASSET_UPLOAD_DIR: shortUploads.path,
        ASSET_UPLOAD_EXPIRY_SECONDS: '2',
        TENANT_MAX_OPEN_UPLOADS: '2',
      },
      api,
    );
  });
  after(async () => {
    await short?.close();
    await shortUploads.remove();
  });

  it('caps open uploads per tenant (429), and sweeps unfinished uploads past their expiry', async () => {
    const post = (length: number) =>
      tusFetch('POST', `${short.url}/v1/assets/uploads`, acme.key, { 'upload-length': String(length) });
    const a = await post(5000);
    const b = await post(5000);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    const third = await post(5000);
    assert.equal(third.status, 429, third.text);
    const url = new URL(a.headers.get('location') as string, `${short.url}/v1/assets/uploads/`).href;
    const patched = await tusFetch(
      'PATCH',
      url,
      acme.key,
      {
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      Buffer.alloc(1000, 3),
    );
    assert.equal(patched.status, 204);
    assert.ok(walk(shortUploads.path).length >= 2);
    await waitUntil(async () => walk(shortUploads.path).length === 0, {
      timeoutMs: 15_000,
      what: 'expired uploads swept',
    });
    const gone = await tusFetch('HEAD', url, acme.key);
    assert.ok(gone.status === 404 || gone.status === 410, String(gone.status));
    // Room again once they expired.
    assert.equal((await post(5000)).status, 201);
  });
});
