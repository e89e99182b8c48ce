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
