import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemberRole } from '@tributary/contracts';
import { type Actor, decide, LAST_OWNER, type MemberAction, mayList } from './member-policy';

const ROLES: MemberRole[] = ['owner', 'admin', 'member'];
const owner: Actor = { kind: 'member', userId: 'u-owner', role: 'owner' };
const admin: Actor = { kind: 'member', userId: 'u-admin', role: 'admin' };
const member: Actor = { kind: 'member', userId: 'u-member', role: 'member' };
const other = (role: MemberRole) => ({ userId: 'u-other', role });

test('owners manage everyone: invite, re-role and remove any role', () => {
  for (const role of ROLES) {
    assert.equal(decide(owner, { kind: 'invite', role }, 1).allowed, true, `invite ${role}`);
    assert.equal(decide(owner, { kind: 'remove', target: other(role) }, 2).allowed, true, `remove ${role}`);
    for (const to of ROLES)
      assert.equal(
        decide(owner, { kind: 'changeRole', target: other(role), to }, 2).allowed,
        true,
        `${role} → ${to}`,
      );
  }
});

test('platform operators act as owners', () => {
  const operator: Actor = { kind: 'operator' };
  assert.equal(decide(operator, { kind: 'invite', role: 'owner' }, 1).allowed, true);
  assert.equal(
    decide(operator, { kind: 'changeRole', target: other('owner'), to: 'admin' }, 2).allowed,
    true,
  );
  assert.deepEqual(decide(operator, { kind: 'remove', target: other('owner') }, 1), {
    allowed: false,
    code: 'conflict',
    reason: LAST_OWNER,
  });
});

test('admins manage members and admins but never touch owners or make owners', () => {
  assert.equal(decide(admin, { kind: 'invite', role: 'member' }, 1).allowed, true);
  assert.equal(decide(admin, { kind: 'invite', role: 'admin' }, 1).allowed, true);
  assert.equal(decide(admin, { kind: 'invite', role: 'owner' }, 1).allowed, false);
  assert.equal(decide(admin, { kind: 'remove', target: other('member') }, 1).allowed, true);
  assert.equal(decide(admin, { kind: 'remove', target: other('admin') }, 1).allowed, true);
  assert.equal(decide(admin, { kind: 'changeRole', target: other('member'), to: 'admin' }, 1).allowed, true);
  assert.equal(decide(admin, { kind: 'changeRole', target: other('admin'), to: 'member' }, 1).allowed, true);
  for (const to of ROLES) {
    const d = decide(admin, { kind: 'changeRole', target: other('owner'), to }, 3);
    assert.deepEqual(d.allowed ? null : d.code, 'forbidden', `owner → ${to}`);
  }
  assert.equal(decide(admin, { kind: 'remove', target: other('owner') }, 3).allowed, false);
  assert.equal(decide(admin, { kind: 'changeRole', target: other('member'), to: 'owner' }, 1).allowed, false);
  // Their own role too: an admin may step down, never up.
  assert.equal(
    decide(admin, { kind: 'changeRole', target: { userId: 'u-admin', role: 'admin' }, to: 'owner' }, 1)
      .allowed,
    false,
  );
  assert.equal(
    decide(admin, { kind: 'changeRole', target: { userId: 'u-admin', role: 'admin' }, to: 'member' }, 1)
      .allowed,
    true,
  );
});

test('members manage nobody, but may leave', () => {
  for (const role of ROLES) {
    assert.equal(decide(member, { kind: 'invite', role }, 1).allowed, false, `invite ${role}`);
    assert.equal(decide(member, { kind: 'remove', target: other(role) }, 2).allowed, false, `remove ${role}`);
    for (const to of ROLES)
      assert.equal(decide(member, { kind: 'changeRole', target: other(role), to }, 2).allowed, false);
  }
  assert.equal(
    decide(member, { kind: 'changeRole', target: { userId: 'u-member', role: 'member' }, to: 'admin' }, 1)
      .allowed,
    false,
  );
  assert.equal(
    decide(member, { kind: 'remove', target: { userId: 'u-member', role: 'member' } }, 1).allowed,
    true,
  );
});

test('API keys manage nobody and do not even list members', () => {
  const key: Actor = { kind: 'apiKey' };
  assert.equal(mayList(key).allowed, false);
  assert.equal(mayList(member).allowed, true);
  assert.equal(decide(key, { kind: 'invite', role: 'member' }, 1).allowed, false);
  assert.equal(decide(key, { kind: 'remove', target: other('member') }, 1).allowed, false);
});

test('the last owner can neither be demoted nor removed, not even by themself', () => {
  const self = { userId: 'u-owner', role: 'owner' as const };
  for (const action of [
    { kind: 'remove', target: self },
    { kind: 'changeRole', target: self, to: 'admin' },
    { kind: 'remove', target: other('owner') },
    { kind: 'changeRole', target: other('owner'), to: 'member' },
  ] satisfies MemberAction[]) {
    assert.deepEqual(decide(owner, action, 1), { allowed: false, code: 'conflict', reason: LAST_OWNER });
    assert.equal(decide(owner, action, 2).allowed, true, 'with a second owner it is allowed');
  }
  // Keeping an owner an owner is no demotion.
  assert.equal(decide(owner, { kind: 'changeRole', target: self, to: 'owner' }, 1).allowed, true);
});

test('no allowed decision, by anyone on anyone, leaves a tenant without an owner', () => {
  const actors: Actor[] = [{ kind: 'apiKey' }, { kind: 'operator' }, owner, admin, member];
  for (const actor of actors)
    for (const targetRole of ROLES)
      for (const self of [false, true]) {
        if (self && actor.kind !== 'member') continue;
        const target =
          self && actor.kind === 'member' ? { userId: actor.userId, role: targetRole } : other(targetRole);
        const actions: MemberAction[] = [
          { kind: 'remove', target },
          ...ROLES.map((to) => ({ kind: 'changeRole' as const, target, to })),
        ];
        for (const action of actions)
          for (const owners of [1, 2, 3]) {
            if (targetRole === 'owner' && owners < 1) continue;
            const d = decide(actor, action, owners);
            if (!d.allowed) continue;
            const demotes = action.kind === 'changeRole' ? action.to !== 'owner' : true;
            const lost = targetRole === 'owner' && demotes ? 1 : 0;
            assert.ok(
              owners - lost >= 1,
              `${JSON.stringify(actor)} ${JSON.stringify(action)} with ${owners}`,
            );
          }
      }
});
