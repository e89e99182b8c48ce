// The CMAF header / HLS "Media Initialization Section" (RFC 8216 §3.3, ISO/IEC 23000-19 §7.3): ftyp,
// then a moov with one trak per track, empty sample tables and an mvex that announces fragments.
// Box layouts from ISO/IEC 14496-12 (section numbers in comments).
import type { AudioConfig, TrackSet, VideoConfig } from '../types';
import { box, fields, fullBox } from './boxes';
import { audioSampleEntry, videoSampleEntry } from './sample-entry';
import { AUDIO_TRACK_ID, audioTimescale, VIDEO_TIMESCALE, VIDEO_TRACK_ID } from './tracks';

/** Movie timescale: only durations in mvhd/tkhd use it, and live durations are 0. */
const MOVIE_TIMESCALE = 1000;
/** Unity transformation matrix (§8.2.2.3). */
const UNITY_MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000] as const;
/** tkhd flags: track_enabled | track_in_movie (§8.3.2.3). */
const TKHD_ENABLED_IN_MOVIE = 0x000003;
/** ISO 639-2 "und", packed as three 5-bit letters (§8.4.2.3). */
const LANGUAGE_UND = 0x55c4;
/** url flag 1: the media data is in this file (§8.7.2). */
const DATA_IN_SAME_FILE = 0x000001;
/** Sample flags used when a sample carries none (§8.8.3.1): sample_depends_on = 2, a sync sample. */
export const SYNC_SAMPLE_FLAGS = 0x02000000;
export const NON_SYNC_SAMPLE_FLAGS = 0x01010000;

function ftyp(): Buffer {
  // CMAF brand 'cmfc' (ISO/IEC 23000-19 §7.2), 'iso6' for the fragment boxes we use (tfdt v1).
  return box('ftyp', Buffer.from('iso6', 'latin1'), fields([4, 0]), Buffer.from('iso6cmfcmp41', 'latin1'));
}

function matrix(): Buffer {
  return fields(...UNITY_MATRIX.map((value) => [4, value] as const));
}

function mvhd(nextTrackId: number): Buffer {
  return fullBox(
    'mvhd',
    0,
    0,
    fields([4, 0], [4, 0], [4, MOVIE_TIMESCALE], [4, 0]), // creation, modification, timescale, duration
    fields([4, 0x00010000], [2, 0x0100], [2, 0], [4, 0], [4, 0]), // rate 1.0, volume 1.0, reserved
    matrix(),
    Buffer.alloc(24), // pre_defined
    fields([4, nextTrackId]),
  );
}

function tkhd(trackId: number, isAudio: boolean, width: number, height: number): Buffer {
  return fullBox(
    'tkhd',
    0,
    TKHD_ENABLED_IN_MOVIE,
    fields([4, 0], [4, 0], [4, trackId], [4, 0], [4, 0]), // times, track_ID, reserved, duration
    fields([4, 0], [4, 0], [2, 0], [2, 0], [2, isAudio ? 0x0100 : 0], [2, 0]), // layer, group, volume
    matrix(),
    fields([4, width * 0x10000], [4, height * 0x10000]), // 16.16
  );
}

function mdia(timescale: number, handler: 'vide' | 'soun', mediaHeader: Buffer, sampleEntry: Buffer): Buffer {
  const mdhd = fullBox(
    'mdhd',
    0,
    0,
    fields([4, 0], [4, 0], [4, timescale], [4, 0], [2, LANGUAGE_UND], [2, 0]),
  );
  const hdlr = fullBox(
    'hdlr',
    0,
    0,
    fields([4, 0]),
    Buffer.from(handler, 'latin1'),
    Buffer.alloc(12),
    Buffer.from('Tributary\0', 'latin1'),
  );
  const dinf = box('dinf', fullBox('dref', 0, 0, fields([4, 1]), fullBox('url ', 0, DATA_IN_SAME_FILE)));
  const emptyTable = fields([4, 0]); // entry_count 0
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, fields([4, 1]), sampleEntry),
    fullBox('stts', 0, 0, emptyTable),
    fullBox('stsc', 0, 0, emptyTable),
    fullBox('stsz', 0, 0, fields([4, 0], [4, 0])),
    fullBox('stco', 0, 0, emptyTable),
  );
  return box('mdia', mdhd, hdlr, box('minf', mediaHeader, dinf, stbl));
}

function videoTrak(config: VideoConfig): Buffer {
  const vmhd = fullBox('vmhd', 0, 1, fields([2, 0], [2, 0], [2, 0], [2, 0])); // flags 1 per §12.1.2
  return box(
    'trak',
    tkhd(VIDEO_TRACK_ID, false, config.width, config.height),
    mdia(VIDEO_TIMESCALE, 'vide', vmhd, videoSampleEntry(config)),
  );
}

function audioTrak(config: AudioConfig): Buffer {
  const smhd = fullBox('smhd', 0, 0, fields([2, 0], [2, 0])); // balance, reserved
  return box(
    'trak',
    tkhd(AUDIO_TRACK_ID, true, 0, 0),
    mdia(audioTimescale(config), 'soun', smhd, audioSampleEntry(config, AUDIO_TRACK_ID)),
  );
}

/** trex (§8.8.3): sample description 1 and, for samples without flags of their own, `defaultFlags`. */
function trex(trackId: number, defaultFlags: number): Buffer {
  return fullBox('trex', 0, 0, fields([4, trackId], [4, 1], [4, 0], [4, 0], [4, defaultFlags]));
}

export function initSegment(tracks: TrackSet): Buffer {
  const traks: Buffer[] = [];
  const trexes: Buffer[] = [];
  if (tracks.video) {
    traks.push(videoTrak(tracks.video));
    trexes.push(trex(VIDEO_TRACK_ID, NON_SYNC_SAMPLE_FLAGS));
  }
  if (tracks.audio) {
    traks.push(audioTrak(tracks.audio));
    trexes.push(trex(AUDIO_TRACK_ID, SYNC_SAMPLE_FLAGS));
  }
  return Buffer.concat([ftyp(), box('moov', mvhd(AUDIO_TRACK_ID + 1), ...traks, box('mvex', ...trexes))]);
}
