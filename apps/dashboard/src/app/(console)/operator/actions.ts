'use server';

import { CreateEdgeInputSchema, CreateTenantInputSchema } from '@tributary/contracts';
import { revalidatePath } from 'next/cache';
import type { FormState } from '@/lib/form-state';
import { api } from '@/server/api-client';
import { runAction, text, validate } from '@/server/form-action';
import { requireCaller } from '@/server/session';

/** An optional whole-number field: empty means "no limit" (null). */
function optionalInt(form: FormData, name: string): number | null | string {
  const raw = text(form, name);
  if (raw === undefined) return null;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

export async function createTenant(_previous: FormState<null>, form: FormData): Promise<FormState<null>> {
  return runAction(async () => {
    const input = validate(CreateTenantInputSchema, {
      name: text(form, 'name'),
      maxLiveStreams: optionalInt(form, 'maxLiveStreams'),
      maxViewers: optionalInt(form, 'maxViewers'),
      quotaLiveStreams: optionalInt(form, 'quotaLiveStreams'),
      quotaLiveEvents: optionalInt(form, 'quotaLiveEvents'),
      quotaAssets: optionalInt(form, 'quotaAssets'),
      quotaApiKeys: optionalInt(form, 'quotaApiKeys'),
      quotaSigningKeys: optionalInt(form, 'quotaSigningKeys'),
    });
    await api.tenants.create(await requireCaller(), input);
    // The layout's tenant switcher lists tenants too.
    revalidatePath('/', 'layout');
    return null;
  }, 'Tenant created');
}

export async function setTenantStatus(id: string, status: 'active' | 'suspended'): Promise<FormState<null>> {
  return runAction(async () => {
    await api.tenants.update(await requireCaller(), id, { status });
    revalidatePath('/operator/tenants');
    return null;
  });
}

type CreatedEdge = { name: string; credential: string };

export async function createEdge(
  _previous: FormState<CreatedEdge>,
  form: FormData,
): Promise<FormState<CreatedEdge>> {
  return runAction(async () => {
    const input = validate(CreateEdgeInputSchema, {
      name: text(form, 'name'),
      region: text(form, 'region'),
      rtmpUrl: text(form, 'rtmpUrl'),
      httpUrl: text(form, 'httpUrl'),
      capacity: optionalInt(form, 'capacity') ?? undefined,
    });
    const created = await api.edges.create(await requireCaller(), input);
    revalidatePath('/operator/edges');
    return { name: created.name, credential: created.credential };
  });
}

export async function removeEdge(id: string): Promise<FormState<null>> {
  return runAction(async () => {
    await api.edges.remove(await requireCaller(), id);
    revalidatePath('/operator/edges');
    return null;
  });
}
