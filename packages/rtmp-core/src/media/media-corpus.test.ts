/** docs/reliability.md: crash-corpus (codec half): replays fuzz-corpus/media/ through the media parsers. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MediaError } from './index';
import { MEDIA_PARSERS } from './testing/parsers';

/** From dist/src/media/ back to the package root. */
const CORPUS_DIR = join(__dirname, '..', '..', '..', 'fuzz-corpus', 'media');

describe('media crash corpus', () => {
  const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.bin'));

  it('is not empty', () => {
    assert.ok(files.length > 0);
  });

  for (const file of files) {
    it(`${file} parses or fails with MediaError only`, () => {
      const parse = MEDIA_PARSERS[file.split('-')[0] ?? ''];
      assert.ok(parse, `${file} has no known parser prefix`);
      try {
        parse(readFileSync(join(CORPUS_DIR, file)));
      } catch (err) {
        assert.ok(err instanceof MediaError, `${file} threw ${String(err)}`);
      }
    });
  }
});
