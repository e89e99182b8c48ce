import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { BoundedReader } from './bounded-reader';

/**
 * The bounded reader of the protocol messages: a short read is `RTMP_ERR_TRUNCATED`,
 * prefixed with the message being decoded (`what`).
 */
export class ByteReader extends BoundedReader {
  constructor(buf: Buffer, what: string) {
    super(buf, (message) => new RtmpError(RtmpErrorCode.Truncated, `${what}: ${message}`));
  }
}
