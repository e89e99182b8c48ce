import {
  AcceptedInvitationSchema,
  AccountSessionSchema,
  ChangedPasswordSchema,
  ChangePasswordInputSchema,
  InvitationTokenInputSchema,
  SignedOutSessionsSchema,
} from '../members';
import { ListQuerySchema, listOf } from '../resources';
import { type RouteGroup, route } from './route';

/** The signed-in user's own account: password, sessions, invitations to them, leaving a tenant. */
export const accountRoutes = {
  changePassword: route({
    method: 'POST',
    path: '/v1/account/password',
    summary: "Change the password (the current one required); signs out the user's other sessions",
    tag: 'account',
    access: 'user',
    body: ChangePasswordInputSchema,
    response: ChangedPasswordSchema,
    status: 200,
  }),
  listSessions: route({
    method: 'GET',
    path: '/v1/account/sessions',
    summary: "The signed-in user's sessions, the current one marked",
    tag: 'account',
    access: 'user',
    query: ListQuerySchema,
    response: listOf(AccountSessionSchema),
    status: 200,
  }),
  signOutSession: route({
    method: 'DELETE',
    path: '/v1/account/sessions/{id}',
    summary: 'Sign out one of your sessions',
    tag: 'account',
    access: 'user',
    status: 204,
  }),
  signOutOtherSessions: route({
    method: 'POST',
    path: '/v1/account/sessions/sign-out-others',
    summary: 'Sign out every session but this one',
    tag: 'account',
    access: 'user',
    response: SignedOutSessionsSchema,
    status: 200,
  }),
  acceptInvitation: route({
    method: 'POST',
    path: '/v1/account/invitations/accept',
    summary: 'Accept an invitation to your own e-mail as the signed-in user',
    tag: 'account',
    access: 'user',
    body: InvitationTokenInputSchema,
    response: AcceptedInvitationSchema,
    status: 201,
  }),
  leaveTenant: route({
    method: 'DELETE',
    path: '/v1/account/memberships/{tenantId}',
    summary: 'Leave a tenant (not as its last owner)',
    tag: 'account',
    access: 'user',
    status: 204,
  }),
} as const satisfies RouteGroup;
