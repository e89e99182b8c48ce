import { type Routes, routes } from '@tributary/contracts';
import { buildClient, type ClientOptions } from './client';
import type { Client } from './types';

/** The routes a customer's client has: the whole table but internal and edge-only routes. */
export type TributaryRoutes = Client<Routes, { access: 'edge' }>;

export type TributaryOptions = ClientOptions;

/**
 * The Tributary API client: one property per resource, one method per route of the route table
 * (packages/contracts/src/routes), typed from it and validating every JSON answer against it.
 *
 *   const tb = new Tributary({ baseUrl: 'https://api.example.com', apiKey: process.env.TRIBUTARY_KEY });
 *   const stream = await tb.liveStreams.create({ body: { name: 'main stage' }, idempotencyKey: 'stage-1' });
 *   const again = await tb.liveStreams.get({ id: stream.id });
 *
 * Failures reject with TributaryError (status, code, message, details).
 */
export interface Tributary extends TributaryRoutes {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface types what the constructor assigns
export class Tributary {
  constructor(options: TributaryOptions) {
    Object.assign(this, buildClient(routes, options, ['edge']));
  }
}

/** `new Tributary(options)`, as a function. */
export function createTributary(options: TributaryOptions): Tributary {
  return new Tributary(options);
}
