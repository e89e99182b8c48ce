import assert from 'node:assert/strict';
import type { AmfObject } from '@tributary/rtmp-core';
import type { RtmpClient } from '@tributary/rtmp-core/node';
import type { ControlPlane, TenantHandle } from './control-plane';
import type { Peers } from './peers';

/** One rendition of a ladder as the api's PATCH /v1/live-streams/:id takes it. */
export interface LadderRendition {
  name: string;
  width: number;
  height: number;
  videoBitrateKbps: number;
  audioBitrateKbps: number;
}

/** Sets a stream's ladder through the api (`encoder`: the encoder publishes each; `transcode`: the edge makes them). */
export async function setLadder(
  plane: ControlPlane,
  owner: TenantHandle,
  streamId: string,
  renditionSource: 'encoder' | 'transcode',
  renditions: readonly LadderRendition[],
): Promise<void> {
  const set = await plane.via(0)(
    'PATCH',
    `/v1/live-streams/${streamId}`,
    { bearer: owner.key },
    { renditionSource, renditions },
  );
  assert.equal(set.status, 200, JSON.stringify(set.body));
}

/** ffmpeg's real-time test source: a 640x360 25 fps testsrc2 (input 0) and a 440 Hz tone (input 1). */
export const LAVFI_TEST_SOURCE: readonly string[] = [
  '-v',
  'error',
  '-nostdin',
  '-re',
  '-f',
  'lavfi',
  '-i',
  'testsrc2=size=640x360:rate=25',
  '-f',
  'lavfi',
  '-i',
  'sine=frequency=440:sample_rate=44100',
];

/** ffmpeg's live x264 output options with a keyframe every `gop` frames. */
export function liveX264(gop: number): string[] {
  return [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(gop),
  ];
}

/**
 * ffprobe (8 s read timeout) of the first video stream of `url`: its `entries` (e.g. `codec_name,width,height`),
 * or undefined while it does not play.
 */
export async function probeVideo(
  peers: Peers,
  url: string,
  entries = 'codec_name,width,height',
): Promise<unknown | undefined> {
  const res = await peers.run('ffprobe', [
    '-v',
    'error',
    '-rw_timeout',
    '8000000',
    '-select_streams',
    'v:0',
    '-show_entries',
    `stream=${entries}`,
    '-of',
    'json',
    url,
  ]);
  if (res.code !== 0) return undefined;
  return (JSON.parse(res.stdout) as { streams: unknown[] }).streams[0];
}

/** Sends play2 on the play stream `messageStreamId` (a switch's streamName, oldStreamName, transition...). */
export function sendPlay2(client: RtmpClient, messageStreamId: number, params: AmfObject): void {
  client.sendCommand({ name: 'play2', transactionId: 0, object: null, args: [params] }, messageStreamId);
}

/** Calls `onCode` with each onPlayStatus code a play stream receives (NetStream.Play.TransitionComplete...). */
export function onPlayStatus(ns: object, onCode: (code: string) => void): void {
  (ns as NodeJS.EventEmitter).on('data', (d: { name: string; values: unknown[] }) => {
    const info = d.values[0] as { code?: unknown } | undefined;
    if (d.name === 'onPlayStatus' && typeof info?.code === 'string') onCode(info.code);
  });
}
