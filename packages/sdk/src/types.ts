import type {
  IDEMPOTENT_REPLAY_SECRET_FIELDS,
  PathParams,
  RouteDef,
  RouteGroup,
  RouteTable,
} from '@tributary/contracts';
import type { z } from 'zod';
import type { QueryValue } from './query';

/**
 * The types of a call, derived from its RouteDef alone: path parameters from the `{name}` placeholders,
 * the query from z.input of `query`, the body from z.input of `body` (or any fetch body for a non-JSON
 * request), the result from z.output of `response` (a raw Response for a non-JSON answer, void for none).
 */

/** Request bodies a non-JSON route (multipart, binary, tus) takes as they are. */
export type RawBody = Blob | FormData | ReadableStream<Uint8Array> | ArrayBuffer | Uint8Array | string;

/** Per-call options every endpoint accepts. */
export interface CallOptions {
  /** Aborts the request (rejects with TributaryError `aborted`). */
  signal?: AbortSignal;
  /** This call's timeout (overrides the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Extra request headers for this call (over the client's). */
  headers?: Record<string, string>;
}

/**
 * A query schema's input with each coerced parameter (zod 4 types z.coerce's input as unknown) narrowed
 * to what a URL can carry.
 */
export type QueryInput<S extends z.ZodType> = {
  [K in keyof z.input<S>]: unknown extends z.input<S>[K] ? QueryValue : z.input<S>[K];
};

type QueryPart<R> = R extends { query: infer S extends z.ZodType }
  ? {} extends QueryInput<S>
    ? { query?: QueryInput<S> }
    : { query: QueryInput<S> }
  : {};

type BodyPart<R> = R extends { requestBody: 'multipart' | 'tus' | 'binary' | 'stream' | 'text' | 'xml' }
  ? { body: RawBody }
  : R extends { body: infer S extends z.ZodType }
    ? undefined extends z.input<S>
      ? { body?: z.input<S> }
      : { body: z.input<S> }
    : {};

type IdempotencyPart<R> = R extends { idempotent: true }
  ? {
      /** Sent as Idempotency-Key: a retry with the same key returns the first answer instead of creating twice. */
      idempotencyKey?: string;
    }
  : {};

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The one argument of a call to route R. */
export type CallArgs<R extends RouteDef> = Simplify<
  (PathParams<R['path']> extends infer P ? (unknown extends P ? {} : P) : never) &
    QueryPart<R> &
    BodyPart<R> &
    IdempotencyPart<R> &
    CallOptions
>;

/** What a call to route R resolves with. */
export type CallResult<R extends RouteDef> = R extends {
  responseBody: 'multipart' | 'tus' | 'binary' | 'xml' | 'text' | 'redirect' | 'stream';
}
  ? Response
  : R extends { response: infer S extends z.ZodType }
    ? z.output<S>
    : // biome-ignore lint/suspicious/noConfusingVoidType: a call to a route without content resolves with nothing
      void;

/** The argument list of a call: optional when nothing in it is required. */
export type CallParams<R extends RouteDef> =
  {} extends CallArgs<R> ? [args?: CallArgs<R>] : [args: CallArgs<R>];

type SecretField = (typeof IDEMPOTENT_REPLAY_SECRET_FIELDS)[number];

/** A result that may be a replay: its secret fields possibly absent. */
export type Replayable<T> = T extends object
  ? Simplify<Omit<T, SecretField> & Partial<Pick<T, SecretField & keyof T>>>
  : T;

type Call<R extends RouteDef> = R extends { idempotent: true }
  ? {
      /** With an Idempotency-Key the answer may be a replay, without the secrets shown once. */
      (args: CallArgs<R> & { idempotencyKey: string }): Promise<Replayable<CallResult<R>>>;
      (...args: CallParams<R>): Promise<CallResult<R>>;
      withResponse(
        args: CallArgs<R> & { idempotencyKey: string },
      ): Promise<{ data: Replayable<CallResult<R>>; response: Response }>;
      withResponse(...args: CallParams<R>): Promise<{ data: CallResult<R>; response: Response }>;
    }
  : {
      (...args: CallParams<R>): Promise<CallResult<R>>;
      /** The same call, resolving with the parsed result and the Response (its headers: Set-Cookie, Location…). */
      withResponse(...args: CallParams<R>): Promise<{ data: CallResult<R>; response: Response }>;
    };

/** One route as a function, with its declaration and a variant that also returns the raw Response. */
export type Endpoint<R extends RouteDef> = Call<R> & {
  /** The route this endpoint calls. */
  readonly route: R;
  /** `group.name`, as errors name it. */
  readonly routeName: string;
};

/** Routes a client leaves out: `internal` ones (protocol endpoints with their own clients, e.g. tus). */
type Excluded<R, Also> = R extends { internal: true } ? true : R extends Also ? true : false;

type ClientGroup<G extends RouteGroup, Also> = {
  [K in keyof G as Excluded<G[K], Also> extends true ? never : K]: Endpoint<G[K]>;
};

/**
 * A client over a route table: one property per group, one endpoint per route, minus `internal` routes
 * and those matching `Also` (the Tributary client passes `{ access: 'edge' }`). A group left empty is
 * left out.
 */
export type Client<T extends RouteTable, Also = never> = {
  [G in keyof T as keyof ClientGroup<T[G], Also> extends never ? never : G]: ClientGroup<T[G], Also>;
};
