/** docs/reliability.md: crash-corpus (codec half): replays fuzz-corpus/amf/ through the decoders. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AmfError, type AmfValue, decodeAmf0, decodeAmf3 } from './index';

/** From dist/src/amf/ back to the package root. */
const CORPUS_DIR = join(__dirname, '..', '..', '..', 'fuzz-corpus', 'amf');

const DECODERS: Record<string, (b: Uint8Array) => AmfValue[]> = { amf0: decodeAmf0, amf3: decodeAmf3 };

describe('AMF crash corpus', () => {
  const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.bin'));

  it('has entries for both decoders', () => {
    assert.ok(files.some((f) => f.startsWith('amf0-')));
    assert.ok(files.some((f) => f.startsWith('amf3-')));
  });

  for (const file of files) {
    it(`${file} decodes or fails with AmfError only`, () => {
      const decode = DECODERS[file.split('-')[0] ?? ''];
      assert.ok(decode, `${file} has no amf0-/amf3- prefix`);
      try {
        decode(readFileSync(join(CORPUS_DIR, file)));
      } catch (err) {
        assert.ok(err instanceof AmfError, `${file} threw ${String(err)}`);
      }
    });
  }
});
