import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Tributary-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`: the timestamp is
 * signed with the raw body, so a receiver that checks it against its clock (5 minutes) refuses replays.
 */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** Largest header considered (anything longer is not ours). */
const MAX_HEADER_CHARS = 1024;

/**
 * The receiver's side (the verification recipe in README "Webhooks"): true when one v1 in `header` is the
 * HMAC of `t.body` and t is within `toleranceSeconds` of `nowSeconds`.
 */
export function verifySignature(
  header: string | undefined,
  secret: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!header || header.length > MAX_HEADER_CHARS) return false;
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/.test(v)) v1.push(v);
  }
  if (t === undefined || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'), 'hex');
  return v1.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
