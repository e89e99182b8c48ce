'use server';

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
