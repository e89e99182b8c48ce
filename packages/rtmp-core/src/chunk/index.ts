export * from './chunk-constants';
export { ChunkDecoder, effectiveChunkSize } from './chunk-decoder';
export { ChunkEncoder, encodeMessageFmt0, type OutgoingMessage } from './chunk-encoder';
