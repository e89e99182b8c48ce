/**
 * @tributary/smil: SMIL manifests for multi-bitrate streaming and edge load
 * balancing. Pure functions, no I/O. Every failure is a `SmilError`.
 */
export { SmilError, SmilErrorCode, type SourcePosition } from './errors';
export {
  type EdgeEntry,
  type EdgeList,
  type EdgeRedirect,
  generateEdgeListSmil,
  MAX_EDGES,
  parseEdgeListSmil,
  parseEdgeRedirectSmil,
  renderEdgeRedirectSmil,
} from './load-balancing/edge-list';
export {
  chooseEdge,
  chooseFleetEdge,
  type EdgeLoad,
  type FleetEdgeLoad,
} from './load-balancing/edge-selector';
export { type HlsMultivariantOptions, renderHlsMultivariant } from './multi-bitrate/hls-multivariant';
export {
  MAX_RENDITIONS,
  type MultiBitrateManifest,
  type Rendition,
  renditionBandwidth,
} from './multi-bitrate/multi-bitrate-manifest';
export { parseMultiBitrateSmil } from './multi-bitrate/multi-bitrate-parser';
export { generateMultiBitrateSmil } from './multi-bitrate/multi-bitrate-writer';
export { DEFAULT_HEADROOM, selectRendition } from './multi-bitrate/rendition-selector';
export { MAX_BITRATE, MAX_DIMENSION, MAX_TITLE_LENGTH, MAX_URL_LENGTH } from './smil/value-rules';
export {
  MAX_ATTRIBUTE_LENGTH,
  MAX_ATTRIBUTES,
  MAX_DEPTH,
  MAX_DOCUMENT_CHARS,
  MAX_ELEMENTS,
  MAX_NAME_LENGTH,
} from './xml/xml-parser';
