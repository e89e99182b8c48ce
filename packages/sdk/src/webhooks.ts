import { type WebhookPayload, WebhookPayloadSchema } from '@tributary/contracts';

/**
 * Webhook signatures, checked the way the api signs them (contracts/webhooks.ts): the header
 * `Tributary-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`, with more than
 * one v1 entry allowed (while a secret is rotated). Web Crypto only (globalThis.crypto.subtle), so the
 * same code runs in Node 20+, browsers, Deno and edge runtimes; hence these functions are async.
 */

/** Why a delivery was refused. */
export type WebhookSignatureFailure =
  | 'missing_header'
  | 'malformed_header'
  | 'timestamp_out_of_tolerance'
  | 'signature_mismatch'
  | 'invalid_payload';

/** What parseWebhookEvent throws: `reason` says which check failed. */
export class WebhookSignatureError extends Error {
  constructor(
    readonly reason: WebhookSignatureFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

export interface VerifyWebhookInput {
  /** The request body exactly as received (the bytes, or their UTF-8 text): never a re-serialised object. */
  payload: string | Uint8Array;
  /** The Tributary-Signature header (null/undefined when absent). */
  header: string | null | undefined;
  /** The endpoint's signing secret (whsec_…). Several: any one may match (a rotation in progress). */
  secret: string | readonly string[];
  /** How far the signed timestamp may be from now, either way (default 300 s: a replay window). */
  toleranceSeconds?: number;
  /** Now, for tests (default Date.now()). */
  now?: Date | number;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
/** Longer headers are not ours; nothing longer is parsed (bounded work on hostile input). */
const MAX_HEADER_CHARS = 1024;
/** A SHA-256 HMAC in hex. */
const V1 = /^[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,12}$/;

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Equal-length byte arrays compared in time independent of where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

function subtle(): typeof globalThis.crypto.subtle {
  const s = globalThis.crypto?.subtle;
  if (!s)
    throw new Error(
      'Web Crypto (globalThis.crypto.subtle) is not available: use Node 20+ or a secure (https) page',
    );
  return s;
}

async function hmacSha256(secret: string, message: Uint8Array): Promise<Uint8Array> {
  const key = await subtle().importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await subtle().sign('HMAC', key, message));
}

/** `${t}.` followed by the raw body's bytes: what the api signs. */
function signedBytes(t: string, payload: string | Uint8Array): Uint8Array {
  const body = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const prefix = encoder.encode(`${t}.`);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}

/** The check itself: null when the delivery is genuine, else why not. */
async function check(input: VerifyWebhookInput): Promise<WebhookSignatureFailure | null> {
  const { header } = input;
  if (header === null || header === undefined || header === '') return 'missing_header';
  if (header.length > MAX_HEADER_CHARS) return 'malformed_header';
  let t: string | undefined;
  const candidates: Uint8Array[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && TIMESTAMP.test(v)) t = v;
    else if (k === 'v1' && V1.test(v)) candidates.push(hexToBytes(v));
  }
  if (t === undefined || candidates.length === 0) return 'malformed_header';
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowMs =
    input.now === undefined ? Date.now() : typeof input.now === 'number' ? input.now : input.now.getTime();
  if (Math.abs(nowMs / 1000 - Number(t)) > tolerance) return 'timestamp_out_of_tolerance';
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  const message = signedBytes(t, input.payload);
  let match = false;
  for (const secret of secrets) {
    if (secret === '') continue;
    const expected = await hmacSha256(secret, message);
    // Every candidate is compared (no early exit), each in constant time.
    for (const candidate of candidates) match = constantTimeEqual(candidate, expected) || match;
  }
  return match ? null : 'signature_mismatch';
}

/**
 * True when `header` carries a v1 signature of `payload` by `secret` (or one of several secrets) with a
 * timestamp within `toleranceSeconds` of now; false for anything else (absent, malformed, stale, forged).
 * It never throws on what the request carries: use parseWebhookEvent to learn why a delivery was refused.
 */
export async function verifyWebhookSignature(input: VerifyWebhookInput): Promise<boolean> {
  return (await check(input)) === null;
}

const MESSAGES: Record<WebhookSignatureFailure, string> = {
  missing_header: 'the Tributary-Signature header is missing',
  malformed_header: 'the Tributary-Signature header is not t=<seconds>,v1=<hex>',
  timestamp_out_of_tolerance: 'the signature timestamp is outside the tolerance (a replay, or a clock off)',
  signature_mismatch: 'no v1 signature matches the secret (wrong secret, or a changed body)',
  invalid_payload: 'the body is not a Tributary webhook payload',
};

/**
 * Verifies a delivery (as verifyWebhookSignature) and returns its payload, typed (WebhookPayload: id,
 * type, created_at, data). Throws WebhookSignatureError, whose `reason` names the failed check.
 */
export async function parseWebhookEvent(input: VerifyWebhookInput): Promise<WebhookPayload> {
  const failure = await check(input);
  if (failure) throw new WebhookSignatureError(failure, MESSAGES[failure]);
  const text = typeof input.payload === 'string' ? input.payload : new TextDecoder().decode(input.payload);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebhookSignatureError('invalid_payload', MESSAGES.invalid_payload);
  }
  const parsed = WebhookPayloadSchema.safeParse(json);
  if (!parsed.success) throw new WebhookSignatureError('invalid_payload', MESSAGES.invalid_payload);
  return parsed.data;
}
