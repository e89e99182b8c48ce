import { parseAudioTagHeader } from '../media/audio-tag';
import { MediaError } from '../media/media-error';
import { parseVideoTagHeader } from '../media/video-tag';
import { type MediaMessage } from '../message/media-message';
import { MessageType } from '../message/message-types';

/**
 * What a message means to the fan-out: codec configuration (cached, always delivered), a keyframe (starts a
 * GOP and resumes a subscriber that dropped) or any other frame.
 */
export type MediaRole = 'config' | 'keyframe' | 'frame';

/**
 * A tag header the media layer cannot parse (zero-length, unknown FourCC: hostile or unknown input degrades, it never stops the stream) is forwarded as
 * an ordinary frame: the stream continues and the player decides.
 */
export function classifyMedia(msg: MediaMessage): MediaRole {
  try {
    if (msg.typeId === MessageType.Video) {
      const h = parseVideoTagHeader(msg.payload);
      if (h.isSequenceHeader) return 'config';
      return h.isKeyframe ? 'keyframe' : 'frame';
    }
    return parseAudioTagHeader(msg.payload).isSequenceHeader ? 'config' : 'frame';
  } catch (err) {
    if (err instanceof MediaError) return 'frame';
    throw err;
  }
}
