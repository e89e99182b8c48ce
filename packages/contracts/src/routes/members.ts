import {
  AcceptedInvitationSchema,
  AcceptInvitationInputSchema,
  CreatedInvitationSchema,
  CreateInvitationInputSchema,
  InvitationPreviewSchema,
  InvitationSchema,
  InvitationTokenInputSchema,
  MemberListQuerySchema,
  MemberSchema,
  UpdateMemberInputSchema,
} from '../members';
import { ListQuerySchema, listOf } from '../resources';
import { type RouteGroup, route } from './route';

/**
 * The members of the caller's tenant (X-Tenant-Id, as every tenant resource). Signed-in users
 * only: an API key is refused (403) even with the write scope, because who may reach a tenant is
 * decided by its people, not by its automation. Owners manage everyone; admins invite, change and
 * remove members and admins, never owners; members only read; the last owner stays.
 */
export const memberRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/members',
    summary: "List the tenant's members (signed-in users only; API keys get 403)",
    tag: 'members',
    access: 'tenant:read',
    query: MemberListQuerySchema,
    response: listOf(MemberSchema),
    status: 200,
  }),
  update: route({
    method: 'PATCH',
    path: '/v1/members/{userId}',
    summary: "Change a member's role (owners: any; admins: members and admins, never to or from owner)",
    tag: 'members',
    access: 'tenant:write',
    body: UpdateMemberInputSchema,
    response: MemberSchema,
    status: 200,
  }),
  remove: route({
    method: 'DELETE',
    path: '/v1/members/{userId}',
    summary:
      'Remove a member from the tenant (never its last owner); members leave with DELETE /v1/account/memberships/{tenantId}',
    tag: 'members',
    access: 'tenant:write',
    status: 204,
  }),
} as const satisfies RouteGroup;

/**
 * Invitations to the caller's tenant. The token is answered once, on creation (only its sha256
 * is kept), and expires after INVITATION_TTL_HOURS; accepting consumes it.
 */
export const invitationRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/invitations',
    summary: "List the tenant's pending invitations (signed-in users only)",
    tag: 'members',
    access: 'tenant:read',
    query: ListQuerySchema,
    response: listOf(InvitationSchema),
    status: 200,
  }),
  create: route({
    method: 'POST',
    path: '/v1/invitations',
    summary: 'Invite someone by e-mail with a role; the invitation link is shown once (no e-mail is sent)',
    tag: 'members',
    access: 'tenant:write',
    body: CreateInvitationInputSchema,
    response: CreatedInvitationSchema,
    status: 201,
  }),
  revoke: route({
    method: 'DELETE',
    path: '/v1/invitations/{id}',
    summary: 'Revoke a pending invitation (its link stops working)',
    tag: 'members',
    access: 'tenant:write',
    status: 204,
  }),
  preview: route({
    method: 'POST',
    path: '/v1/invitations/preview',
    summary: 'What an invitation token invites to (public, rate-limited like sign-in)',
    tag: 'members',
    access: 'public',
    body: InvitationTokenInputSchema,
    response: InvitationPreviewSchema,
    status: 200,
  }),
  accept: route({
    method: 'POST',
    path: '/v1/invitations/accept',
    summary: 'Accept an invitation with a new account (name and password); public, rate-limited like sign-in',
    tag: 'members',
    access: 'public',
    body: AcceptInvitationInputSchema,
    response: AcceptedInvitationSchema,
    status: 201,
  }),
} as const satisfies RouteGroup;
