export { Broadcast, type BroadcastOptions, type BroadcastStats } from './broadcast';
export type { BroadcastSink } from './broadcast-sink';
export { classifyMedia, type MediaRole } from './media-role';
