'use server';

import { CreateUsageAlertInputSchema } from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import type { FormState } from '@/lib/form-state';
import { BYTES_PER_GB } from '@/lib/usage-alerts';
import { runAction, text, validate } from '@/server/form-action';
import { requireCaller } from '@/server/session';
import { usageAlertsApi } from '@/server/usage-alerts-client';

/** The form takes viewer-minutes as they are and bytes in (decimal) gigabytes, as the page shows them. */
export async function createUsageAlert(_previous: FormState<null>, form: FormData): Promise<FormState<null>> {
  return runAction(async () => {
    const metric = text(form, 'metric');
    const amount = Number(text(form, 'threshold') ?? Number.NaN);
    const input = validate(CreateUsageAlertInputSchema, {
      metric,
      period: text(form, 'period'),
      threshold: metric === 'viewerMinutes' ? amount : Math.round(amount * BYTES_PER_GB),
    });
    await usageAlertsApi.create(await requireCaller(), input);
    revalidatePath('/usage');
    return null;
  }, 'Alert added');
}

export async function setUsageAlertEnabled(id: string, enabled: boolean): Promise<FormState<null>> {
  return runAction(async () => {
    await usageAlertsApi.update(await requireCaller(), id, { enabled });
    revalidatePath('/usage');
    return null;
  });
}

export async function deleteUsageAlert(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await usageAlertsApi.remove(await requireCaller(), id);
    revalidatePath('/usage');
    return null;
  });
}
