export * from './errors';
export { type FlvTagKind, FlvTimeline, HttpFlvWriter } from './flv/http-flv-writer';
export { SampleBuilder, type SampleBuilderStats } from './flv/sample-builder';
export { Fmp4Muxer } from './fmp4/fmp4-muxer';
export type { SegmentFormat } from './hls/chunk-writer';
export {
  HLS_CONTENT_TYPES,
  type HlsResource,
  LiveSegmenter,
  type LiveSegmenterOptions,
  type SegmenterStats,
  type SegmentInfo,
} from './hls/live-segmenter';
export {
  type PlaylistSnapshot,
  renderMediaPlaylist,
  tokenDecorator,
  type UriDecorator,
} from './hls/playlist';
export { TsMuxer, type TsMuxerOptions } from './ts/ts-muxer';
export { TS_PACKET_SIZE } from './ts/ts-packet';
export * from './types';
export { indexFlv } from './vod/flv-index';
export { tagBody, tagPrefix } from './vod/flv-tags';
export { indexMediaFile } from './vod/index-file';
export {
  bufferSource,
  DEFAULT_INDEX_LIMITS,
  type IndexedAudioTrack,
  type IndexedVideoTrack,
  type IndexLimits,
  type MediaFileIndex,
  type RandomAccessSource,
  SAMPLE_KEYFRAME,
  SAMPLE_VIDEO,
  type SampleTable,
  seekSample,
} from './vod/media-index';
export { indexMp4 } from './vod/mp4-index';
export { muxVodSegment, planVodSegments, renderVodPlaylist, type VodSegment } from './vod/vod-hls';
