import { isSafeName } from '@tributary/contracts';

/** Longest play name looked at (a playback id is at most 64 characters; prefix and extension add few). */
const MAX_PLAY_NAME_LENGTH = 128;

/**
 * The asset playback id an on-demand RTMP play names (rtmp://<edge>/<VOD_APP>/<name>), as FMS and Wowza
 * players send it: `<id>`, `mp4:<id>`, `flv:<id>`, `f4v:<id>`, `<id>.mp4`, `<id>.flv`, `<id>.f4v`, or a
 * prefix with an extension (`mp4:<id>.mp4`). The prefix names a container the server picks itself: the
 * asset's file is told apart by its bytes (indexMediaFile), never by this name. The query (`?token=`)
 * is split off by rtmp-core before this sees the name. Anything else, or an id outside the safe
 * alphabet, is undefined.
 */
export function vodPlaybackIdOf(name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_PLAY_NAME_LENGTH) return undefined;
  let id = name;
  const prefix = /^(mp4|flv|f4v):/i.exec(id);
  if (prefix) id = id.slice(prefix[0].length);
  const extension = /\.(mp4|flv|f4v)$/i.exec(id);
  if (extension) id = id.slice(0, id.length - extension[0].length);
  return isSafeName(id) ? id : undefined;
}
