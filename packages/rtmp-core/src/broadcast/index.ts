export {
  Broadcast,
  type BroadcastListener,
  type BroadcastMessage,
  type BroadcastOptions,
  type BroadcastStats,
} from './broadcast';
export type { BroadcastSink } from './broadcast-sink';
export {
  type CoalescePolicy,
  DEFAULT_FLUSH_OPTIONS,
  FlushScheduler,
  type FlushSchedulerOptions,
} from './flush-scheduler';
export { classifyMedia, type MediaRole } from './media-role';
