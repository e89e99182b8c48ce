import { api } from '@/server/api-client';
import { getViewer } from '@/server/session';

type Params = { params: Promise<{ id?: string[] }> };

/** Where the browser's tus client sends a resumable upload (the Assets page); relayed to the api. */
const BASE = '/assets/uploads';

/**
 * The browser's resumable uploads (tus 1.0.0): POST creates, HEAD answers the offset, PATCH appends,
 * DELETE terminates, each relayed to the api's /v1/assets/uploads as the signed-in caller, bodies
 * streamed through. Like the one-request upload, refused when the browser says it is cross-site.
 */
async function relay(request: Request, { params }: Params): Promise<Response> {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin') return text(403, 'Cross-site uploads are refused.');
  const viewer = await getViewer();
  if (!viewer?.tenant) return text(401, 'Sign in again.');
  const segments = (await params).id ?? [];
  if (segments.length > 1) return text(404, 'upload not found');
  const uploadId = segments[0] ?? null;
  if ((uploadId === null) !== (request.method === 'POST')) return text(405, 'not a tus request for this URL');
  const answer = await api.assets.relayResumable(
    viewer.caller,
    request.method,
    uploadId,
    request.headers,
    request.body,
  );
  const headers = new Headers(answer.headers);
  if (answer.uploadId) headers.set('location', `${BASE}/${answer.uploadId}`);
  const ok = answer.status >= 200 && answer.status < 300;
  if (!ok) headers.set('content-type', 'text/plain; charset=utf-8');
  return new Response(ok || request.method === 'HEAD' ? null : `${answer.text}\n`, {
    status: answer.status,
    headers,
  });
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

export { relay as DELETE, relay as HEAD, relay as PATCH, relay as POST };
