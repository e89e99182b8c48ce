import { LoginInputSchema, UserSchema } from '../resources';
import { type RouteGroup, route } from './route';

/** Dashboard sign-in: a session cookie (SESSION_COOKIE), not an API key. */
export const authRoutes = {
  login: route({
    method: 'POST',
    path: '/v1/auth/login',
    summary: 'Sign in; sets the HTTP-only session cookie',
    tag: 'auth',
    access: 'public',
    body: LoginInputSchema,
    response: UserSchema,
    status: 200,
  }),
  logout: route({
    method: 'POST',
    path: '/v1/auth/logout',
    summary: 'Sign out (ends the session)',
    tag: 'auth',
    access: 'user',
    status: 204,
  }),
  me: route({
    method: 'GET',
    path: '/v1/auth/me',
    summary: 'The signed-in user and their memberships',
    tag: 'auth',
    access: 'user',
    response: UserSchema,
    status: 200,
  }),
} as const satisfies RouteGroup;
