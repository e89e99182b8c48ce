import assert from 'node:assert/strict';
import { run } from '@tributary/test-kit';

/** ffmpeg's inputs for a test clip: a 25 fps lavfi testsrc of `size` (input 0) and a 44.1 kHz sine (input 1). */
export function lavfiTestInputs(size = '320x240'): string[] {
  return ['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=25`, '-f', 'lavfi', '-i', 'sine=sample_rate=44100'];
}

/** Runs ffmpeg quietly (overwriting its output) with `args` and asserts it succeeded. */
export async function ffmpeg(args: readonly string[]): Promise<void> {
  const made = await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
  assert.equal(made.code, 0, made.stderr);
}
