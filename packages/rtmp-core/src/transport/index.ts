export { memoryTransportPair } from './memory-transport';
export type { RtmpDialer, RtmpTransport, TransportHandlers } from './transport';
