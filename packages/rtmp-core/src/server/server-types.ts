import { type AmfObject, type AmfValue } from '../amf';

export interface ConnectRequest {
  /** `app` of the command object, without any '?query'. */
  readonly app: string;
  /** '' when absent. */
  readonly tcUrl: string;
  /** From tcUrl's query, else from app's '?…'. */
  readonly query: URLSearchParams;
  /** The reply uses the same encoding (spec 7.2.1.1 objectEncoding). */
  readonly objectEncoding: 0 | 3;
  readonly flashVer?: string;
  readonly swfUrl?: string;
  readonly pageUrl?: string;
  readonly command: AmfObject;
  readonly args: readonly AmfValue[];
}

export interface PublishRequest {
  readonly name: string;
  readonly query: URLSearchParams;
  readonly type: 'live' | 'record' | 'append';
}

/** FCSubscribe(name) (Akamai/Limelight live subscription), the name split like play's. */
export interface SubscribeRequest {
  readonly name: string;
  readonly query: URLSearchParams;
}

/**
 * How a play joins the stream's play list: play's `reset` true is 'reset' and false 'append'; play2 carries
 * one of the five NetStreamPlayOptions transitions (AS3 NetStreamPlayTransitions).
 */
export type PlayTransition = 'reset' | 'append' | 'switch' | 'swap' | 'stop';

export interface PlayRequest {
  readonly name: string;
  readonly query: URLSearchParams;
  /** Spec 7.2.2.1: -2 live or recorded (default), -1 live only, ≥ 0 offset into a recording (ms). */
  readonly start: number;
  /** Seconds; -1 until the end (default); > 0: play that long, then the next item; 0: API.md play lists. */
  readonly duration: number;
  readonly reset: boolean;
  readonly transition: PlayTransition;
  readonly command: 'play' | 'play2';
}

export type HookDecision =
  | { allow: true }
  | { allow: false; code?: string; description?: string; redirect?: string };

// biome-ignore lint/suspicious/noConfusingVoidType: a hook that allows may return nothing (`async () => {}`).
export type HookResult = HookDecision | void | Promise<HookDecision | void>;
