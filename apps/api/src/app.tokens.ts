/** Injection tokens for values built before Nest starts (see app.ts). */
export const CONFIG = Symbol('ApiConfig');
export const LOGGER = Symbol('Logger');
