/**
 * `@tributary/rtmp-core/testing`: fixtures other packages' tests share with rtmp-core's own, so a hostile
 * input is written once. Not part of the protocol API (`@tributary/rtmp-core`).
 */
export { hostileGraphAmf0, hostileSetDataFrame } from '../amf/testing/hostile-graph';
