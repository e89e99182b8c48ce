import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ListQuerySchema, listOf, route } from '@tributary/contracts';
import fc from 'fast-check';
import { z } from 'zod';
import { createClient } from './client';
import { TributaryError } from './errors';
import { listAll } from './pagination';

/**
 * The generic client over a small table of its own, its fetch a recorder answering what each test says:
 * what goes out (URL, headers, body) and how answers and failures come back. The Tributary client over
 * the real table and api is driven in the edge's SDK journey test.
 */
const SEED = 0xc11e;

const Thing = z.object({ id: z.string(), name: z.string() });
const table = {
  things: {
    list: route({
      method: 'GET',
      path: '/v1/things',
      summary: 'l',
      tag: 't',
      access: 'tenant:read',
      query: ListQuerySchema.extend({ kind: z.enum(['a', 'b']).optional() }),
      response: listOf(Thing),
      status: 200,
    }),
    create: route({
      method: 'POST',
      path: '/v1/things',
      summary: 'c',
      tag: 't',
      access: 'tenant:write',
      body: z.strictObject({ name: z.string() }),
      response: Thing,
      status: 201,
      idempotent: true,
    }),
    get: route({
      method: 'GET',
      path: '/v1/things/{id}/parts/{part}',
      summary: 'g',
      tag: 't',
      access: 'tenant:read',
      response: Thing,
      status: 200,
    }),
    delete: route({
      method: 'DELETE',
      path: '/v1/things/{id}',
      summary: 'd',
      tag: 't',
      access: 'tenant:write',
      status: 204,
    }),
    manifest: route({
      method: 'GET',
      path: '/things/{id}.xml',
      summary: 'm',
      tag: 't',
      access: 'public',
      responseBody: 'xml',
      status: 200,
    }),
    upload: route({
      method: 'POST',
      path: '/v1/things/upload',
      summary: 'u',
      tag: 't',
      access: 'tenant:write',
      requestBody: 'multipart',
      response: Thing,
      status: 201,
    }),
    tus: route({
      method: 'POST',
      path: '/v1/things/tus',
      summary: 't',
      tag: 't',
      access: 'tenant:write',
      requestBody: 'tus',
      responseBody: 'tus',
      internal: true,
      status: 201,
    }),
  },
  operator: {
    whoami: route({
      method: 'GET',
      path: '/v1/me',
      summary: 'w',
      tag: 'o',
      access: 'operator',
      response: Thing,
      status: 200,
    }),
  },
  hidden: {
    only: route({
      method: 'GET',
      path: '/v1/hidden',
      summary: 'h',
      tag: 'h',
      access: 'public',
      internal: true,
      status: 204,
    }),
  },
} as const;

interface Sent {
  url: string;
  init: RequestInit;
}

function recorder(answer: (sent: Sent) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    const s = { url, init };
    sent.push(s);
    return answer(s);
  };
  return { sent, fetch };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('createClient', () => {
  it('fills path parameters URL-encoded: any id reaches the server as given', async () => {
    const { sent, fetch } = recorder(() => json(200, { id: 'x', name: 'n' }));
    const client = createClient(table, { baseUrl: 'http://api.test/prefix/', fetch });
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        async (id, part) => {
          await client.things.get({ id, part });
          const url = new URL(sent.at(-1)?.url ?? '');
          const segments = url.pathname.split('/');
          assert.equal(url.origin, 'http://api.test');
          assert.deepEqual(segments.slice(0, 4), ['', 'prefix', 'v1', 'things']);
          assert.equal(decodeURIComponent(segments[4] ?? ''), id);
          assert.equal(decodeURIComponent(segments[6] ?? ''), part);
          assert.equal(segments.length, 7);
          assert.equal(url.search, '');
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('refuses a missing path parameter without sending anything', async () => {
    const { sent, fetch } = recorder(() => json(200, {}));
    const client = createClient(table, { baseUrl: 'http://api.test', fetch });
    // @ts-expect-error part is required
    await assert.rejects(client.things.get({ id: 'a' }), (err: unknown) => {
      return (
        err instanceof TributaryError &&
        err.code === 'invalid_request' &&
        err.route === 'things.get' &&
        /part is missing/.test(err.message)
      );
    });
    assert.equal(sent.length, 0);
  });

  it('sends the key, the tenant on tenant routes only, the idempotency key and a JSON body', async () => {
    const { sent, fetch } = recorder(() => json(201, { id: 't1', name: 'n' }));
    const client = createClient(table, {
      baseUrl: 'http://api.test',
      apiKey: 'trib_k',
      tenantId: 'ten_1',
      headers: { cookie: 'c=1' },
      userAgent: 'me/1',
      fetch,
    });
    const thing = await client.things.create({
      body: { name: 'n' },
      idempotencyKey: 'once',
      headers: { 'x-extra': '1' },
    });
    assert.deepEqual(thing, { id: 't1', name: 'n' });
    const created = sent[0];
    assert.equal(created?.url, 'http://api.test/v1/things');
    assert.equal(created?.init.method, 'POST');
    assert.equal(created?.init.body, '{"name":"n"}');
    assert.deepEqual(created?.init.headers, {
      accept: 'application/json',
      authorization: 'Bearer trib_k',
      'x-tenant-id': 'ten_1',
      'user-agent': 'me/1',
      'content-type': 'application/json',
      'idempotency-key': 'once',
      cookie: 'c=1',
      'x-extra': '1',
    });
    await client.operator.whoami();
    assert.equal((sent[1]?.init.headers as Record<string, string> | undefined)?.['x-tenant-id'], undefined);
  });

  it('encodes the query and leaves internal routes and empty groups out', async () => {
    const { sent, fetch } = recorder(() => json(200, { data: [], nextCursor: null }));
    const client = createClient(table, { baseUrl: 'http://api.test', fetch });
    await client.things.list({ query: { kind: 'a', limit: 5 } });
    assert.equal(sent[0]?.url, 'http://api.test/v1/things?kind=a&limit=5');
    assert.equal('tus' in client.things, false);
    assert.equal('hidden' in client, false);
    assert.equal(client.things.list.routeName, 'things.list');
    assert.equal(client.things.list.route, table.things.list);
  });

  it('an idempotent replay may leave out the secret fields the api names in Idempotent-Redacted, no others', async () => {
    const secretTable = {
      keys: {
        create: route({
          method: 'POST',
          path: '/v1/keys',
          summary: 'c',
          tag: 'k',
          access: 'tenant:write',
          response: Thing.extend({ key: z.string() }),
          status: 201,
          idempotent: true,
        }),
      },
    } as const;
    const replay = (redacted: string) =>
      createClient(secretTable, {
        baseUrl: 'http://api.test',
        fetch: recorder(
          () =>
            new Response(JSON.stringify({ id: 'k1', name: 'n' }), {
              status: 201,
              headers: { 'idempotent-replayed': 'true', 'idempotent-redacted': redacted },
            }),
        ).fetch,
      });
    const replayed = await replay('key').keys.create({ idempotencyKey: 'once' });
    // Typed as a possible replay: the secret is optional when an Idempotency-Key is sent.
    const key: string | undefined = replayed.key;
    assert.equal(key, undefined);
    assert.deepEqual(replayed, { id: 'k1', name: 'n' });
    for (const header of ['', 'name', 'streamKey'])
      await assert.rejects(
        replay(header).keys.create({ idempotencyKey: 'once' }),
        /outside its contract \(key:/,
      );
  });

  it('turns the error envelope into a TributaryError with status, code, message, details and request id', async () => {
    const { fetch } = recorder(() =>
      json(400, {
        error: {
          code: 'validation_failed',
          message: 'name is required',
          details: [{ field: 'name', message: 'Required' }],
          requestId: 'req_9',
        },
      }),
    );
    const client = createClient(table, { baseUrl: 'http://api.test', fetch });
    await assert.rejects(client.things.create({ body: { name: '' } }), (err: unknown) => {
      assert.ok(err instanceof TributaryError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'validation_failed');
      assert.equal(err.message, 'name is required');
      assert.deepEqual(err.details, [{ field: 'name', message: 'Required' }]);
      assert.equal(err.requestId, 'req_9');
      assert.equal(err.route, 'things.create');
      return true;
    });
  });

  it('an answer outside the contract is invalid_response naming the route and the field', async () => {
    const client = createClient(table, {
      baseUrl: 'http://api.test',
      fetch: recorder(() => json(200, { id: 7, name: 'n' })).fetch,
    });
    await assert.rejects(client.things.get({ id: 'a', part: 'b' }), (err: unknown) => {
      return (
        err instanceof TributaryError &&
        err.code === 'invalid_response' &&
        /things\.get \(GET \/v1\/things\/\{id\}\/parts\/\{part\}\) answered outside its contract \(id:/.test(
          err.message,
        )
      );
    });
    const html = createClient(table, {
      baseUrl: 'http://api.test',
      fetch: recorder(() => new Response('<h1>bad gateway</h1>', { status: 502 })).fetch,
    });
    await assert.rejects(html.things.get({ id: 'a', part: 'b' }), (err: unknown) => {
      return (
        err instanceof TributaryError &&
        err.status === 502 &&
        err.code === 'invalid_response' &&
        /without an error envelope/.test(err.message)
      );
    });
    const empty = createClient(table, {
      baseUrl: 'http://api.test',
      fetch: recorder(() => new Response('', { status: 200 })).fetch,
    });
    await assert.rejects(empty.things.get({ id: 'a', part: 'b' }), /without a JSON body/);
  });

  it('no content is void, a non-JSON answer the raw Response, a multipart body sent as given', async () => {
    const { sent, fetch } = recorder(({ url }) =>
      url.endsWith('.xml')
        ? new Response('<smil/>', { status: 200 })
        : url.endsWith('upload')
          ? json(201, { id: 'u', name: 'f' })
          : new Response(null, { status: 204 }),
    );
    const client = createClient(table, { baseUrl: 'http://api.test', fetch });
    assert.equal(await client.things.delete({ id: 'a' }), undefined);
    const res = await client.things.manifest({ id: 'a' });
    assert.ok(res instanceof Response);
    assert.equal(await res.text(), '<smil/>');
    const form = new FormData();
    form.set('file', new Blob(['bytes']), 'f.mp4');
    const { data, response } = await client.things.upload.withResponse({ body: form });
    assert.deepEqual(data, { id: 'u', name: 'f' });
    assert.equal(response.status, 201);
    assert.equal(sent.at(-1)?.init.body, form);
    assert.equal(
      (sent.at(-1)?.init.headers as Record<string, string> | undefined)?.['content-type'],
      undefined,
    );
  });

  it('a silent api is a timeout, an unreachable one network_error, a caller abort aborted', async () => {
    // An api that never answers: only the abort ends it (the interval stands for the open socket a real
    // fetch would hold; Node's timeout signals do not keep the process alive on their own).
    const hang = (s: Sent) =>
      new Promise<Response>((_, reject) => {
        const socket = setInterval(() => {}, 1000);
        s.init.signal?.addEventListener('abort', () => {
          clearInterval(socket);
          reject(s.init.signal?.reason);
        });
      });
    const slow = createClient(table, {
      baseUrl: 'http://api.test',
      timeoutMs: 30,
      fetch: recorder(hang).fetch,
    });
    await assert.rejects(
      slow.things.delete({ id: 'a' }),
      (err: unknown) => err instanceof TributaryError && err.code === 'timeout' && err.status === 0,
    );
    const controller = new AbortController();
    const call = slow.things.delete({ id: 'a', signal: controller.signal, timeoutMs: 10_000 });
    controller.abort();
    await assert.rejects(call, (err: unknown) => err instanceof TributaryError && err.code === 'aborted');
    const down = createClient(table, { baseUrl: 'http://127.0.0.1:1' });
    await assert.rejects(
      down.things.delete({ id: 'a' }),
      (err: unknown) => err instanceof TributaryError && err.code === 'network_error',
    );
  });

  it('listAll follows the real list endpoint shape', async () => {
    const all = Array.from({ length: 7 }, (_, i) => ({ id: `t${i}`, name: 'n' }));
    const { fetch } = recorder(({ url }) => {
      const q = new URL(url).searchParams;
      const from = Number(q.get('cursor') ?? 0);
      const limit = Number(q.get('limit'));
      return json(200, {
        data: all.slice(from, from + limit),
        nextCursor: from + limit < all.length ? String(from + limit) : null,
      });
    });
    const client = createClient(table, { baseUrl: 'http://api.test', fetch });
    assert.deepEqual(await listAll(client.things.list, { query: { limit: 3, kind: 'b' } }), all);
  });

  it('refuses a base URL that is not http(s)', () => {
    for (const baseUrl of ['api.test', 'ftp://api.test', 'http://api.test/?x=1'])
      assert.throws(() => createClient(table, { baseUrl }), TypeError);
  });
});
