import { api } from '@/server/api-client';
import { getViewer } from '@/server/session';

/** An edge has this long to answer with a picture. */
const PICTURE_TIMEOUT_MS = 3000;
/** Larger answers are not pictures the edge makes (its THUMBNAIL_MAX_BYTES is far below). */
const PICTURE_MAX_BYTES = 2 * 1024 * 1024;
/** What a list shows while there is no picture: a plain tile (an answer, so the browser logs no error). */
const NONE = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90"><rect width="160" height="90" fill="#e5e7eb"/></svg>`;

/**
 * The lists' thumbnails and posters, relayed from the edge by the dashboard server: the browser never
 * needs to reach the edge, signed streams and assets get a short-lived token minted for the viewer, and a
 * picture that is missing (idle stream, edge down, no token scope) is a plain tile, not a broken image.
 * `pictureUrl` finds the edge URL (the api's, never the browser's) for the signed-in caller.
 */
export async function relayPicture(
  pictureUrl: (
    caller: NonNullable<Awaited<ReturnType<typeof getViewer>>>['caller'],
  ) => Promise<string | null>,
): Promise<Response> {
  const viewer = await getViewer();
  if (!viewer?.tenant) return new Response('Sign in again.\n', { status: 401 });
  let url: string | null = null;
  try {
    url = await pictureUrl(viewer.caller);
  } catch {
    url = null;
  }
  const jpeg = url ? await fetchJpeg(url) : undefined;
  if (!jpeg)
    return new Response(NONE, {
      headers: { 'content-type': 'image/svg+xml', 'cache-control': 'private, max-age=5' },
    });
  return new Response(new Uint8Array(jpeg), {
    headers: { 'content-type': 'image/jpeg', 'cache-control': 'private, max-age=5' },
  });
}

async function fetchJpeg(url: string): Promise<Buffer | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(PICTURE_TIMEOUT_MS), redirect: 'error' });
    if (!res.ok || res.headers.get('content-type') !== 'image/jpeg') return undefined;
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > PICTURE_MAX_BYTES) return undefined;
    const body = Buffer.from(await res.arrayBuffer());
    return body.length <= PICTURE_MAX_BYTES ? body : undefined;
  } catch {
    return undefined;
  }
}

/** A token's URLs for a signed playback id (null when the caller may not mint one). */
export async function signedUrls(
  caller: Parameters<typeof api.playbackTokens.create>[0],
  playbackId: string,
) {
  const minted = await api.playbackTokens.create(caller, { playbackId, ttlSeconds: 60 });
  return minted.playback;
}
