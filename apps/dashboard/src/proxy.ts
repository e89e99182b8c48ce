import { SESSION_COOKIE } from '@tributary/contracts';
import { type NextRequest, NextResponse } from 'next/server';
import { api } from './server/api-client';
import { ApiError } from './server/api-error';

/**
 * First gate in front of every page (Next 16 `proxy.ts`, formerly middleware): no session
 * cookie → sign-in; operator pages → only for operators. Pages check again on the server
 * and the api decides anyway; this keeps members from even rendering operator routes.
 */
const PUBLIC_PATHS = ['/login'];
/** Invitation links are opened before their invitee has an account (the page checks the token itself). */
const PUBLIC_PREFIXES = ['/invite/'];

export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (PUBLIC_PATHS.includes(pathname) || PUBLIC_PREFIXES.some((p) => pathname.startsWith(p)))
    return NextResponse.next();

  const session = request.cookies.get(SESSION_COOKIE)?.value ?? null;
  if (!session) return toLogin(request, pathname + search);

  if (pathname === '/operator' || pathname.startsWith('/operator/')) {
    try {
      const user = await api.auth.me({ session, tenantId: null });
      if (!user.isOperator) return NextResponse.redirect(new URL('/streams', request.url));
    } catch (err) {
      if (err instanceof ApiError && err.isUnauthenticated) return toLogin(request, pathname + search);
      throw err;
    }
  }
  return NextResponse.next();
}

function toLogin(request: NextRequest, next: string) {
  const url = new URL('/login', request.url);
  url.searchParams.set('next', next);
  return NextResponse.redirect(url);
}

export const config = {
  // Everything but static assets and Next internals, and the asset upload routes: a request the proxy
  // sees has its body buffered for it (and cut at 10 MB), while uploads must stream through. Those
  // routes check the session themselves (401).
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt|assets/upload).*)'],
};
