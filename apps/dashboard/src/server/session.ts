import 'server-only';
import { SESSION_COOKIE, type User } from '@tributary/contracts';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { config } from '../config';
import { api, type Caller } from './api-client';
import { ApiError } from './api-error';

/**
 * Who is signed in and which tenant they act in, resolved once per request (React
 * `cache`). The api owns the session; the dashboard only carries its cookie on its own
 * origin and remembers the chosen tenant in a second cookie.
 */
export const TENANT_COOKIE = 'tributary_tenant';

export type TenantChoice = { id: string; name: string };
export type Viewer = {
  user: User;
  /** Tenants the viewer may switch between (memberships, or every tenant for operators). */
  tenants: TenantChoice[];
  /** The tenant this request acts in; null for an operator before any tenant exists. */
  tenant: TenantChoice | null;
  caller: Caller;
};

const readCookies = cache(async () => {
  const jar = await cookies();
  return {
    session: jar.get(SESSION_COOKIE)?.value ?? null,
    tenantId: jar.get(TENANT_COOKIE)?.value ?? null,
  };
});

/** The signed-in viewer, or null when there is no valid session. */
export const getViewer = cache(async (): Promise<Viewer | null> => {
  const { session, tenantId } = await readCookies();
  if (!session) return null;
  const anonymousTenant: Caller = { session, tenantId: null };
  let user: User;
  try {
    user = await api.auth.me(anonymousTenant);
  } catch (err) {
    if (err instanceof ApiError && err.isUnauthenticated) return null;
    throw err;
  }
  const tenants = user.isOperator
    ? (await api.tenants.choices(anonymousTenant)).map((t) => ({ id: t.id, name: t.name }))
    : user.memberships.map((m) => ({ id: m.tenantId, name: m.tenantName }));
  const tenant = tenants.find((t) => t.id === tenantId) ?? tenants[0] ?? null;
  return { user, tenants, tenant, caller: { session, tenantId: tenant?.id ?? null } };
});

/** The viewer of a page that needs a session: redirects to sign-in otherwise. */
export async function requireViewer(): Promise<Viewer> {
  const viewer = await getViewer();
  if (!viewer) redirect('/login');
  return viewer;
}

/** The api caller of a server action (same rules as pages). */
export async function requireCaller(): Promise<Caller> {
  return (await requireViewer()).caller;
}

/**
 * Whether cookies get `Secure` (sent over HTTPS only): COOKIE_SECURE=auto decides by
 * PUBLIC_URL being https, or the request having come over https as the proxy in front
 * says in X-Forwarded-Proto (Next sets it itself when nothing in front did).
 */
export async function cookieSecure(): Promise<boolean> {
  if (config.COOKIE_SECURE !== 'auto') return config.COOKIE_SECURE === 'true';
  if (config.PUBLIC_URL?.startsWith('https:')) return true;
  const proto = (await headers()).get('x-forwarded-proto') ?? '';
  return proto.split(',')[0]?.trim().toLowerCase() === 'https';
}

/**
 * The browser's IP as this server saw it, for the api's sign-in limits: the last
 * X-Forwarded-For entry, which the nearest hop wrote (the reverse proxy in front, or
 * Next itself from the socket when nothing in front set the header).
 */
export async function clientIp(): Promise<string | null> {
  const forwarded = (await headers()).get('x-forwarded-for') ?? '';
  const nearest = forwarded
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .pop();
  return nearest && nearest.length <= 64 ? nearest : null;
}

/** The browser's User-Agent (bounded), kept with the session it signs in to so the Account page can name it. */
export async function clientUserAgent(): Promise<string | null> {
  const value = (await headers()).get('user-agent');
  return value ? value.slice(0, 256) : null;
}

/**
 * Re-sets the api's session on the dashboard origin: HTTP-only, never readable by
 * scripts, and as long-lived as the api made it (no Max-Age: a browser-session cookie).
 */
export async function storeSession(value: string, maxAgeSeconds: number | null): Promise<void> {
  const jar = await cookies();
  jar.set(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: await cookieSecure(),
    path: '/',
    maxAge: maxAgeSeconds ?? undefined,
  });
}

export async function storeTenant(tenantId: string): Promise<void> {
  (await cookies()).set(TENANT_COOKIE, tenantId, {
    httpOnly: true,
    sameSite: 'lax',
    secure: await cookieSecure(),
    path: '/',
  });
}

export async function clearSession(): Promise<void> {
  const jar = await cookies();
  jar.delete(SESSION_COOKIE);
  jar.delete(TENANT_COOKIE);
}
