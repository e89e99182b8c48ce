import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/**
 * packages/media is codecs and muxers: its sources (test fixtures aside) import no socket, file or
 * process module and only rtmp-core's main entry, which loads none either (rtmp-core's import-graph
 * test), never its `./node` adapters.
 */
const SRC = resolve(__dirname, '..', '..', 'src');
const IO_MODULES = /^node:(net|tls|http|https|http2|dgram|fs|fs\/promises|child_process|worker_threads)$/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

describe('packages/media layering', () => {
  it('imports no I/O module and not @tributary/rtmp-core/node', () => {
    const files = sources(SRC);
    assert.ok(files.length > 20, `only ${files.length} sources found under ${SRC}`);
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)) {
        const spec = m[1]!;
        if (IO_MODULES.test(spec) || spec.startsWith('@tributary/rtmp-core/'))
          offenders.push(`${relative(SRC, file)} → ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
