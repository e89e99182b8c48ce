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

export type HookDecision =
  | { allow: true }
  | { allow: false; code?: string; description?: string; redirect?: string };

// biome-ignore lint/suspicious/noConfusingVoidType: a hook that allows may return nothing (`async () => {}`).
export type HookResult = HookDecision | void | Promise<HookDecision | void>;
