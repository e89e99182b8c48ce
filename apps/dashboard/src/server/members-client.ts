import 'server-only';
import {
  AcceptedInvitationSchema,
  AccountSessionSchema,
  ChangedPasswordSchema,
  CreatedInvitationSchema,
  InvitationPreviewSchema,
  InvitationSchema,
  listOf,
  type MemberRole,
  MemberSchema,
  SignedOutSessionsSchema,
} from '@tributary/contracts';
import { type Caller, call, LIST_PAGE_SIZE, NoContent } from './api-client';

/**
 * The members, invitations and account areas of the api (packages/contracts routes/members.ts and
 * routes/account.ts), through api-client's `call`: the same caller, headers and contract checks.
 */
const scoped = { tenantScoped: true } as const;
const id = (value: string) => encodeURIComponent(value);
const page = (cursor?: string) => ({ limit: LIST_PAGE_SIZE, cursor });
const data = async <T>(p: Promise<{ data: T }>) => (await p).data;
const anonymous: Caller = { session: null, tenantId: null };

export const membersApi = {
  members: {
    list: (c: Caller, cursor?: string) =>
      data(call(c, listOf(MemberSchema), 'GET', '/v1/members', { ...scoped, query: page(cursor) })),
    changeRole: (c: Caller, userId: string, role: MemberRole) =>
      data(call(c, MemberSchema, 'PATCH', `/v1/members/${id(userId)}`, { ...scoped, body: { role } })),
    remove: (c: Caller, userId: string) =>
      data(call(c, NoContent, 'DELETE', `/v1/members/${id(userId)}`, scoped)),
  },
  invitations: {
    list: (c: Caller, cursor?: string) =>
      data(call(c, listOf(InvitationSchema), 'GET', '/v1/invitations', { ...scoped, query: page(cursor) })),
    create: (c: Caller, body: { email: string; role: MemberRole }) =>
      data(call(c, CreatedInvitationSchema, 'POST', '/v1/invitations', { ...scoped, body })),
    revoke: (c: Caller, invitationId: string) =>
      data(call(c, NoContent, 'DELETE', `/v1/invitations/${id(invitationId)}`, scoped)),
    preview: (token: string, clientIp: string | null) =>
      data(
        call(anonymous, InvitationPreviewSchema, 'POST', '/v1/invitations/preview', {
          body: { token },
          clientIp,
        }),
      ),
    acceptAsNewUser: (body: { token: string; name: string; password: string }, clientIp: string | null) =>
      data(call(anonymous, AcceptedInvitationSchema, 'POST', '/v1/invitations/accept', { body, clientIp })),
  },
  account: {
    acceptInvitation: (c: Caller, token: string) =>
      data(call(c, AcceptedInvitationSchema, 'POST', '/v1/account/invitations/accept', { body: { token } })),
    changePassword: (c: Caller, body: { currentPassword: string; newPassword: string }) =>
      data(call(c, ChangedPasswordSchema, 'POST', '/v1/account/password', { body })),
    sessions: (c: Caller, cursor?: string) =>
      data(call(c, listOf(AccountSessionSchema), 'GET', '/v1/account/sessions', { query: page(cursor) })),
    signOutSession: (c: Caller, sessionId: string) =>
      data(call(c, NoContent, 'DELETE', `/v1/account/sessions/${id(sessionId)}`)),
    leave: (c: Caller, tenantId: string) =>
      data(call(c, NoContent, 'DELETE', `/v1/account/memberships/${id(tenantId)}`)),
    signOutOthers: (c: Caller) =>
      data(call(c, SignedOutSessionsSchema, 'POST', '/v1/account/sessions/sign-out-others')),
  },
};
