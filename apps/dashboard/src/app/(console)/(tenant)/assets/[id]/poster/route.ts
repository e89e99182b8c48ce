import { api } from '@/server/api-client';
import { relayPicture, signedUrls } from '@/server/picture';

type Params = { params: Promise<{ id: string }> };

/** The asset's poster for the lists (src/server/picture.ts), once it is ready. */
export async function GET(_request: Request, { params }: Params): Promise<Response> {
  const { id } = await params;
  return relayPicture(async (caller) => {
    const asset = await api.assets.get(caller, id);
    if (asset.status !== 'ready' || !asset.playback) return null;
    if (asset.playbackPolicy === 'public') return asset.playback.poster;
    // An asset token's `thumbnail` is the poster (contracts playback-urls.ts).
    return (await signedUrls(caller, asset.playbackId)).thumbnail;
  });
}
