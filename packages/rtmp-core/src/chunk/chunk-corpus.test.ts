import { describe, it } from 'node:test';
import { RtmpError } from '../errors/rtmp-error';
import { corpusEntries } from '../testing/corpus';
import { ChunkDecoder } from './chunk-decoder';

describe('chunk crash corpus', () => {
  for (const { name, bytes } of corpusEntries('chunk')) {
    it(`${name} decodes or fails with RtmpError only, whole and one byte at a time`, () => {
      for (const pieces of [[bytes], [...bytes].map((b) => Buffer.from([b]))]) {
        const d = new ChunkDecoder();
        try {
          for (const p of pieces) d.push(p);
        } catch (err) {
          if (!(err instanceof RtmpError)) throw err;
        }
      }
    });
  }
});
