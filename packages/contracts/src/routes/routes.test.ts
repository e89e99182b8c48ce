import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { PlaybackHttpPaths } from '../playback-urls';
import { EdgeApiPaths } from './edge-api';
import { routes } from './index';
import { expressPath, fillPath, pathParamNames, type RouteDef } from './route';

const all = Object.entries(routes).flatMap(([group, defs]) =>
  Object.entries(defs as Record<string, RouteDef>).map(([name, def]) => ({ id: `${group}.${name}`, def })),
);

test('each method and path is declared by one route only', () => {
  const seen = new Map<string, string>();
  for (const { id, def } of all) {
    const key = `${def.method} ${def.path}`;
    assert.equal(seen.get(key), undefined, `${id} repeats ${key} (already ${seen.get(key)})`);
    seen.set(key, id);
  }
});

test('paths are absolute, placeholders are well formed and named once per path', () => {
  for (const { id, def } of all) {
    assert.match(def.path, /^\/[A-Za-z0-9_./{}-]*$/, `${id}: ${def.path}`);
    const names = pathParamNames(def.path);
    assert.equal(new Set(names).size, names.length, `${id}: a placeholder repeats in ${def.path}`);
    // Every brace belongs to a placeholder: no stray `{` or `}` left once they are filled.
    const filled = fillPath(def.path, Object.fromEntries(names.map((n) => [n, 'x'])));
    assert.doesNotMatch(filled, /[{}]/, `${id}: ${def.path}`);
    assert.doesNotMatch(expressPath(def.path), /[{}]/, `${id}: ${def.path}`);
  }
});

test('a route without a request body declares none, and JSON bodies are zod schemas', () => {
  for (const { id, def } of all) {
    if (def.method === 'GET' || def.method === 'HEAD' || def.method === 'OPTIONS')
      assert.equal(def.body, undefined, `${id}: ${def.method} with a body`);
    if (def.requestBody && def.requestBody !== 'json')
      assert.equal(def.body, undefined, `${id}: a ${def.requestBody} body and a JSON schema`);
    if (def.status === 204) assert.equal(def.response, undefined, `${id}: 204 with a response schema`);
    for (const schema of [def.body, def.query, def.response])
      if (schema) assert.ok(schema instanceof z.ZodType, `${id}: not a zod schema`);
  }
});

test('every list answer ({ data, nextCursor }) takes cursor and limit', () => {
  for (const { id, def } of all) {
    const shape = (def.response as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (!shape || !('data' in shape) || !('nextCursor' in shape)) continue;
    const query = (def.query as { shape?: Record<string, unknown> } | undefined)?.shape;
    assert.ok(
      query && 'cursor' in query && 'limit' in query,
      `${id} answers a list without cursor and limit`,
    );
  }
});

test('EdgeApiPaths are the edge routes filled, each parameter URL-encoded', () => {
  assert.equal(EdgeApiPaths.sessions, routes.edgeApi.startSession.path);
  assert.equal(EdgeApiPaths.sessionStats('s/1'), '/v1/edge/sessions/s%2F1/stats');
  assert.equal(EdgeApiPaths.assetSource('pb1'), '/v1/edge/assets/pb1/source');
  assert.equal(EdgeApiPaths.playbackKey('sk_a b'), '/v1/edge/playback-keys/sk_a%20b');
  assert.throws(() => EdgeApiPaths.asset(''), /path parameter playbackId is missing/);
});

test("the api's SMIL route is the path every edge serves", () => {
  assert.equal(fillPath(routes.playback.smil.path, { playbackId: 'pb1' }), PlaybackHttpPaths.smil('pb1'));
});
