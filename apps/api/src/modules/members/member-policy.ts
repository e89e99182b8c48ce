import type { MemberRole } from '@tributary/contracts';

/**
 * Who may manage whom in a tenant: the one place these rules are written (issue 15). Pure: the
 * members service gathers the facts (the actor, the target, how many owners the tenant has, read
 * under the tenant's lock) and applies the decision.
 *
 *  - API keys manage nobody: who may reach a tenant is decided by its people, not its automation
 *    (a leaked write key must not be able to add an account of the attacker's).
 *  - Owners (and platform operators, who act as owners) manage everyone.
 *  - Admins invite, re-role and remove members and admins, but never touch an owner or make one.
 *  - Members manage nobody, but may leave.
 *  - Nobody demotes or removes the tenant's last owner, themself included.
 */
export type Actor =
  | { kind: 'apiKey' }
  | { kind: 'operator' }
  | { kind: 'member'; userId: string; role: MemberRole };

export interface Target {
  userId: string;
  role: MemberRole;
}

export type MemberAction =
  | { kind: 'invite'; role: MemberRole }
  | { kind: 'changeRole'; target: Target; to: MemberRole }
  | { kind: 'remove'; target: Target };

export type Decision =
  | { allowed: true }
  /** forbidden: the actor lacks the right; conflict: the right exists but the tenant's state refuses it. */
  | { allowed: false; code: 'forbidden' | 'conflict'; reason: string };

const ALLOWED: Decision = { allowed: true };
const forbidden = (reason: string): Decision => ({ allowed: false, code: 'forbidden', reason });

export const API_KEYS_MANAGE_NO_MEMBERS =
  'members and invitations are managed by signed-in users; API keys cannot (sign in to the dashboard)';
export const LAST_OWNER =
  "the tenant's last owner cannot be demoted or removed; make another member owner first";

/** May `actor` see the tenant's members and pending invitations? Everyone of the tenant, never an API key. */
export function mayList(actor: Actor): Decision {
  return actor.kind === 'apiKey' ? forbidden(API_KEYS_MANAGE_NO_MEMBERS) : ALLOWED;
}

/**
 * Decides one action. `owners` is how many owners the tenant has now (counted under the lock that
 * serialises membership changes, so two owners demoting each other cannot leave none).
 */
export function decide(actor: Actor, action: MemberAction, owners: number): Decision {
  if (actor.kind === 'apiKey') return forbidden(API_KEYS_MANAGE_NO_MEMBERS);
  const self = action.kind !== 'invite' && actor.kind === 'member' && actor.userId === action.target.userId;
  const role = actor.kind === 'operator' ? 'owner' : actor.role;

  if (action.kind === 'invite') {
    if (role === 'member') return forbidden('members cannot invite; ask an owner or admin');
    if (role === 'admin' && action.role === 'owner') return forbidden('only owners can invite owners');
    return ALLOWED;
  }

  const { target } = action;
  const demotesOrRemovesAnOwner =
    target.role === 'owner' && (action.kind === 'remove' || action.to !== 'owner');
  const lastOwner = demotesOrRemovesAnOwner && owners <= 1;

  if (action.kind === 'remove' && self) {
    // Leaving: anyone may, except the last owner.
    return lastOwner ? { allowed: false, code: 'conflict', reason: LAST_OWNER } : ALLOWED;
  }
  if (role === 'member') return forbidden('members cannot manage members; ask an owner or admin');
  if (role === 'admin') {
    if (target.role === 'owner') return forbidden('admins cannot change or remove owners');
    if (action.kind === 'changeRole' && action.to === 'owner')
      return forbidden('only owners can make owners');
  }
  if (lastOwner) return { allowed: false, code: 'conflict', reason: LAST_OWNER };
  return ALLOWED;
}
