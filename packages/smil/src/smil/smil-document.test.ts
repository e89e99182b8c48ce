import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SmilError, SmilErrorCode } from '../errors';
import { SmilDocument } from './smil-document';

function rejects(input: string | Uint8Array, code: SmilErrorCode, detail: RegExp) {
  assert.throws(
    () => SmilDocument.read(input),
    (err: unknown) => {
      assert.ok(err instanceof SmilError);
      assert.equal(err.code, code, err.message);
      assert.match(err.detail, detail);
      return true;
    },
  );
}

describe('SmilDocument', () => {
  it('finds head, body, title and metas', () => {
    const doc = SmilDocument.read(
      '<smil title="t"><head><meta base="rtmp://a/b"/><layout/></head><body/></smil>',
    );
    assert.equal(doc.title(), 't');
    assert.equal(doc.body?.name, 'body');
    assert.deepEqual(
      doc.metas().map((m) => doc.metaBase(m)),
      ['rtmp://a/b'],
    );
  });

  it("reads the base in Wowza's attribute form and SMIL 1.0's name/content form", () => {
    const doc = SmilDocument.read(
      '<smil><head><meta base="rtmp://a/x"/><meta name="base" content="rtmp://b/x"/><meta name="title" content="t"/></head></smil>',
    );
    assert.deepEqual(
      doc.metas().map((m) => doc.metaBase(m)),
      ['rtmp://a/x', 'rtmp://b/x', undefined],
    );
  });

  it('rejects a meta with two different bases', () => {
    const doc = SmilDocument.read(
      '<smil><head><meta base="rtmp://a/x" name="base" content="rtmp://b/x"/></head></smil>',
    );
    const [meta] = doc.metas();
    assert.throws(() => doc.metaBase(meta!), /two different base URLs/);
  });

  it('decodes UTF-8 bytes and drops a byte order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('<smil title="Café"/>')]);
    assert.equal(SmilDocument.read(bytes).title(), 'Café');
  });

  it('rejects invalid UTF-8 instead of replacing it', () => {
    rejects(new Uint8Array([0x3c, 0x73, 0xff, 0x3e]), SmilErrorCode.MalformedXml, /not valid UTF-8/);
  });

  it('rejects a byte document over the size limit before decoding it', () => {
    rejects(new Uint8Array(512 * 1024 + 1), SmilErrorCode.LimitExceeded, /bytes, more than the limit/);
  });

  it('rejects a root other than <smil>, with its position', () => {
    assert.throws(
      () => SmilDocument.read('\n  <html/>'),
      (err: unknown) => {
        return (
          err instanceof SmilError &&
          err.code === SmilErrorCode.InvalidStructure &&
          err.position?.line === 2 &&
          err.position.column === 3
        );
      },
    );
  });

  it('rejects two bodies and foreign children of <smil>', () => {
    rejects('<smil><body/><body/></smil>', SmilErrorCode.InvalidStructure, /more than one <body>/);
    rejects(
      '<smil><head/><switch/></smil>',
      SmilErrorCode.InvalidStructure,
      /<switch> is not allowed in <smil>/,
    );
  });
});
