import { BoundedReader } from '../bytes/bounded-reader';
import { AmfError } from './amf-error';

/** The bounded reader of the AMF decoders: a short read is `AmfError('truncated')`. */
export class AmfReader extends BoundedReader {
  constructor(readonly bytes: Uint8Array) {
    super(bytes, (message) => new AmfError('truncated', message));
  }
}
