import { BoundedReader } from '../bytes/bounded-reader';
import { MediaError } from './media-error';

/** The bounded reader of the media parsers: a short read is `MediaError('truncated')`. */
export class MediaReader extends BoundedReader {
  constructor(bytes: Buffer, start = 0) {
    super(bytes, (message) => new MediaError('truncated', message), start);
  }
}
