import 'server-only';
import type { MemberRole } from '@tributary/contracts';
import { type Caller, LIST_PAGE_SIZE, run, sdkFor } from './api-client';

/**
 * The members, invitations and account areas of the api (packages/contracts routes/members.ts and
 * routes/account.ts) through the SDK, as api-client's calls are: the same caller, headers and contract checks.
 */
const page = (cursor?: string, limit = LIST_PAGE_SIZE) => ({ limit, cursor });
const anonymous: Caller = { session: null, tenantId: null };

export const membersApi = {
  members: {
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).members.list({ query: page(cursor, limit) })),
    changeRole: (c: Caller, userId: string, role: MemberRole) =>
      run(() => sdkFor(c).members.update({ userId, body: { role } })),
    remove: (c: Caller, userId: string) => run(() => sdkFor(c).members.remove({ userId })),
  },
  invitations: {
    list: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).invitations.list({ query: page(cursor, limit) })),
    create: (c: Caller, body: { email: string; role: MemberRole }) =>
      run(() => sdkFor(c).invitations.create({ body })),
    revoke: (c: Caller, invitationId: string) =>
      run(() => sdkFor(c).invitations.revoke({ id: invitationId })),
    preview: (token: string, clientIp: string | null) =>
      run(() => sdkFor(anonymous, clientIp).invitations.preview({ body: { token } })),
    acceptAsNewUser: (body: { token: string; name: string; password: string }, clientIp: string | null) =>
      run(() => sdkFor(anonymous, clientIp).invitations.accept({ body })),
  },
  account: {
    acceptInvitation: (c: Caller, token: string) =>
      run(() => sdkFor(c).account.acceptInvitation({ body: { token } })),
    changePassword: (c: Caller, body: { currentPassword: string; newPassword: string }) =>
      run(() => sdkFor(c).account.changePassword({ body })),
    sessions: (c: Caller, cursor?: string, limit?: number) =>
      run(() => sdkFor(c).account.listSessions({ query: page(cursor, limit) })),
    signOutSession: (c: Caller, sessionId: string) =>
      run(() => sdkFor(c).account.signOutSession({ id: sessionId })),
    leave: (c: Caller, tenantId: string) => run(() => sdkFor(c).account.leaveTenant({ tenantId })),
    signOutOthers: (c: Caller) => run(() => sdkFor(c).account.signOutOtherSessions()),
  },
};
