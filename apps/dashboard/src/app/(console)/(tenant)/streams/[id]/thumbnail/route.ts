import { api } from '@/server/api-client';
import { relayPicture, signedUrls } from '@/server/picture';

type Params = { params: Promise<{ id: string }> };

/** The stream's current picture for the lists (src/server/picture.ts): its edge thumbnail while live. */
export async function GET(_request: Request, { params }: Params): Promise<Response> {
  const { id } = await params;
  return relayPicture(async (caller) => {
    const stream = await api.liveStreams.get(caller, id);
    if (stream.status !== 'active') return null;
    if (stream.playbackPolicy === 'public') return stream.playback.thumbnail;
    return (await signedUrls(caller, stream.playbackId)).thumbnail;
  });
}
