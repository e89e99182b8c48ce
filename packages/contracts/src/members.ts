import { z } from 'zod';
import { isoDate, ListQuerySchema, MemberRoleSchema, NewPasswordSchema } from './resources';

/**
 * Tenant members, invitations and the signed-in user's account (issue 15). Members and
 * invitations are managed by signed-in users only (owners and admins, as the api's member
 * policy says); API keys cannot list or change them. There is no e-mail on the platform:
 * an invitation is a link, shown once to the one who created it.
 */

const email = z.string().trim().toLowerCase().email().max(254);
const name = z.string().trim().min(1).max(100);
/** Invitation tokens as the api mints them (`inv_` + base64url); anything longer is refused unread. */
const invitationToken = z.string().min(1).max(128);

// ---- members ----
export const MemberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: MemberRoleSchema,
  /** When they joined the tenant. */
  createdAt: isoDate,
});
export type Member = z.infer<typeof MemberSchema>;
export const UpdateMemberInputSchema = z.strictObject({ role: MemberRoleSchema });
export const MemberListQuerySchema = ListQuerySchema;

// ---- invitations ----
export const InvitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: MemberRoleSchema,
  /** The user who created it (null when they are gone). */
  invitedBy: z.object({ userId: z.string(), name: z.string() }).nullable(),
  expiresAt: isoDate,
  createdAt: isoDate,
});
export type Invitation = z.infer<typeof InvitationSchema>;
/** Answered once, on creation: the token (and the dashboard link carrying it) is never shown again. */
export const CreatedInvitationSchema = InvitationSchema.extend({ token: z.string(), url: z.string() });
export type CreatedInvitation = z.infer<typeof CreatedInvitationSchema>;
export const CreateInvitationInputSchema = z.strictObject({
  email,
  role: MemberRoleSchema.default('member'),
});
/** What the invitation page shows before accepting (public: whoever holds the link). */
export const InvitationPreviewSchema = z.object({
  tenantName: z.string(),
  email: z.string(),
  role: MemberRoleSchema,
  expiresAt: isoDate,
  /** True when an account with the invited e-mail exists: it accepts signed in, not with a new password. */
  accountExists: z.boolean(),
});
export type InvitationPreview = z.infer<typeof InvitationPreviewSchema>;
export const InvitationTokenInputSchema = z.strictObject({ token: invitationToken });
/** Accepting as a new user: the account is created with the invited e-mail. */
export const AcceptInvitationInputSchema = z.strictObject({
  token: invitationToken,
  name,
  password: NewPasswordSchema,
});
export const AcceptedInvitationSchema = z.object({
  tenantId: z.string(),
  tenantName: z.string(),
  member: MemberSchema,
});
export type AcceptedInvitation = z.infer<typeof AcceptedInvitationSchema>;

// ---- account ----
export const ChangePasswordInputSchema = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: NewPasswordSchema,
});
export const ChangedPasswordSchema = z.object({
  /** How many other sessions of the user were signed out (the current one stays). */
  signedOut: z.number().int(),
});
export const AccountSessionSchema = z.object({
  id: z.string(),
  createdAt: isoDate,
  expiresAt: isoDate,
  /** The session this request came with. */
  current: z.boolean(),
  /** The client's IP and User-Agent at sign-in, when known. */
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type AccountSession = z.infer<typeof AccountSessionSchema>;
export const SignedOutSessionsSchema = z.object({ signedOut: z.number().int() });
