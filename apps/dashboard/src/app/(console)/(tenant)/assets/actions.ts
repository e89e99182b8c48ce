'use server';

import type { PlaybackToken } from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import type { FormState } from '@/lib/form-state';
import { api } from '@/server/api-client';
import { runAction } from '@/server/form-action';
import { requireCaller } from '@/server/session';

export async function deleteAsset(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await api.assets.remove(await requireCaller(), id);
    revalidatePath('/assets');
    return null;
  });
}

/** The asset page's player of a signed asset: a token for an hour of watching. */
const PLAYER_TOKEN_TTL_SECONDS = 3600;

export async function mintAssetPlaybackToken(playbackId: string): Promise<FormState<PlaybackToken>> {
  return runAction(async () =>
    api.playbackTokens.create(await requireCaller(), { playbackId, ttlSeconds: PLAYER_TOKEN_TTL_SECONDS }),
  );
}
