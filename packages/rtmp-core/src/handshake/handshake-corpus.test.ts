import { describe, it } from 'node:test';
import { RtmpError } from '../errors/rtmp-error';
import { corpusEntries } from '../testing/corpus';
import { ServerHandshake } from './server-handshake';

describe('handshake crash corpus', () => {
  for (const { name, bytes } of corpusEntries('handshake')) {
    it(`${name} completes, waits or fails with RtmpError only`, () => {
      try {
        new ServerHandshake().push(bytes);
      } catch (err) {
        if (!(err instanceof RtmpError)) throw err;
      }
    });
  }
});
