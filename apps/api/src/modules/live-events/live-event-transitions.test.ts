import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIVE_EVENT_TRANSITIONS } from './live-events.service';

test('the live-event state machine allows exactly scheduled→live→ended and scheduled→cancelled', () => {
  const allowed = Object.entries(LIVE_EVENT_TRANSITIONS).flatMap(([from, tos]) =>
    tos.map((to) => `${from}→${to}`),
  );
  assert.deepEqual(allowed.sort(), ['live→ended', 'scheduled→cancelled', 'scheduled→live']);
});
