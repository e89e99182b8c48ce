import { NextResponse } from 'next/server';
import { api } from '@/server/api-client';
import { ApiError } from '@/server/api-error';
import { getViewer } from '@/server/session';

/**
 * The browser's asset upload (the Assets page posts its multipart form here, so it can show
 * progress), streamed to the api as the caller. Like the api's own cookie-authenticated writes it is
 * refused when the browser says the request is cross-site.
 */
export async function POST(request: Request): Promise<NextResponse> {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin')
    return NextResponse.json(
      { error: { code: 'forbidden', message: 'Cross-site uploads are refused.' } },
      { status: 403 },
    );
  const viewer = await getViewer();
  if (!viewer?.tenant)
    return NextResponse.json(
      { error: { code: 'unauthenticated', message: 'Sign in again.' } },
      { status: 401 },
    );
  const contentType = request.headers.get('content-type') ?? '';
  if (!request.body || !contentType.startsWith('multipart/form-data'))
    return NextResponse.json(
      { error: { code: 'bad_request', message: 'Choose a file to upload.' } },
      { status: 400 },
    );
  try {
    const asset = await api.assets.upload(
      viewer.caller,
      request.body,
      contentType,
      request.headers.get('content-length'),
    );
    return NextResponse.json(asset, { status: 201 });
  } catch (err) {
    if (err instanceof ApiError)
      return NextResponse.json({ error: { code: err.code, message: err.message } }, { status: err.status });
    throw err;
  }
}
