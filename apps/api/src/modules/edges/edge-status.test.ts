import assert from 'node:assert/strict';
import { test } from 'node:test';
import { edgeStatus } from './edges.service';

const INTERVAL = 10;
const now = Date.parse('2030-01-01T00:00:00Z');

test('an edge that never sent a heartbeat is unknown', () => {
  assert.equal(edgeStatus(null, INTERVAL, now), 'unknown');
});

test('an edge is healthy until it has missed three heartbeat intervals', () => {
  assert.equal(edgeStatus(new Date(now - 29_000), INTERVAL, now), 'healthy');
  assert.equal(edgeStatus(new Date(now - 30_000), INTERVAL, now), 'healthy');
  assert.equal(edgeStatus(new Date(now - 30_001), INTERVAL, now), 'unhealthy');
});
