import { MediaFileError, MediaFileErrorCode } from '../errors';
import { indexFlv } from './flv-index';
import type { IndexLimits, MediaFileIndex, RandomAccessSource } from './media-index';
import { indexMp4, MP4_FIRST_BOX_TYPES } from './mp4-index';

/** Indexes an MP4 or FLV file, told apart by its first bytes (never by its name). */
export async function indexMediaFile(src: RandomAccessSource, limits?: IndexLimits): Promise<MediaFileIndex> {
  const head = Buffer.from(await src.read(0, 8));
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'FLV') return indexFlv(src, limits);
  if (head.length >= 8 && MP4_FIRST_BOX_TYPES.has(head.toString('latin1', 4, 8)))
    return indexMp4(src, limits);
  throw new MediaFileError(
    MediaFileErrorCode.UnknownFormat,
    head.length === 0 ? 'the file is empty' : 'not an MP4 or FLV file',
  );
}
