export {
  Broadcast,
  type BroadcastListener,
  type BroadcastMessage,
  type BroadcastOptions,
  type BroadcastStats,
} from './broadcast';
export type { BroadcastSink } from './broadcast-sink';
export { classifyMedia, type MediaRole } from './media-role';
