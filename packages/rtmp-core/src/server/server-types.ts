/**
 * What a hook answers. The requests the hooks are asked about are the command layer's (command/requests.ts),
 * re-exported here for the server's readers.
 */
export type {
  ConnectRequest,
  PlayRequest,
  PlayTransition,
  PublishRequest,
  SubscribeRequest,
} from '../command/requests';

/**
 * A play the onPlay hook answers with `recorded` plays a file, not a live stream: the server sends
 * StreamIsRecorded, does not time `duration` by the clock (the application's player honours start and
 * duration in media time) and answers seeks with Seek.Notify then Play.Start; the player calls
 * `stream.complete()` at the item's end (onPlayStatus Play.Complete, StreamEOF, Play.Stop, or the play
 * list's next item).
 */
export interface RecordedItem {
  /** The file's length in milliseconds (getStreamLength answers it in seconds). */
  readonly durationMs: number;
}

export type HookDecision =
  | { allow: true; recorded?: RecordedItem }
  | { allow: false; code?: string; description?: string; redirect?: string };

// biome-ignore lint/suspicious/noConfusingVoidType: a hook that allows may return nothing (`async () => {}`).
export type HookResult = HookDecision | void | Promise<HookDecision | void>;
