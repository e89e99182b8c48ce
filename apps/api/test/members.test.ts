import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AcceptedInvitationSchema,
  AccountSessionSchema,
  CreatedInvitationSchema,
  InvitationPreviewSchema,
  InvitationSchema,
  listOf,
  MemberSchema,
} from '@tributary/contracts';
import { Client } from 'pg';
import { RetentionService } from '../src/modules/sessions/retention.service';
import { TestApi } from './support/api';

/**
 * Tenant members, invitations and account security over HTTP (issue 15): the member policy as the
 * api applies it, invitation tokens (single use, expiry, revocation, concurrent accepts) and the
 * password change that signs out the user's other sessions.
 */

let api: TestApi;
let db: Client;
let operator: string;
let tenantId: string;
let apiKey: string;
/** The tenant's first owner. */
let owner: { email: string; password: string; cookie: string; userId: string };

const PASSWORD = 'a-long-password-1';

async function createMember(tenant: string, email: string, role: 'owner' | 'admin' | 'member') {
  const res = await api.request('POST', `/v1/tenants/${tenant}/users`, {
    cookie: operator,
    body: { email, name: email.split('@')[0], password: PASSWORD, role },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return {
    email,
    password: PASSWORD,
    cookie: await api.login(email, PASSWORD),
    userId: res.body.id as string,
  };
}

async function invite(cookie: string, email: string, role: string, tenant = tenantId) {
  return api.request('POST', '/v1/invitations', { cookie, tenant, body: { email, role } });
}

async function invited(cookie: string, email: string, role = 'member') {
  const res = await invite(cookie, email, role);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return CreatedInvitationSchema.parse(res.body);
}

async function members(cookie: string, tenant = tenantId) {
  const res = await api.request('GET', '/v1/members', { cookie, tenant });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return listOf(MemberSchema).parse(res.body).data;
}

before(async () => {
  // Many accepts and previews come from this one IP: the per-IP budget is proven on its own below.
  api = await TestApi.start({
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    PUBLIC_DASHBOARD_URL: 'https://console.example.com',
  });
  db = new Client({ connectionString: api.database.url });
  await db.connect();
  operator = await api.login();
  ({ tenantId, key: apiKey } = await api.tenantWithKey('members', operator));
  owner = await createMember(tenantId, 'owner@members.test', 'owner');
});
after(async () => {
  await db?.end();
  await api?.close();
});

test('invite → accept as a new user → role change → remove', async () => {
  const invitation = await invited(owner.cookie, 'Alice@Members.test', 'member');
  assert.equal(invitation.email, 'alice@members.test');
  assert.match(invitation.url, /^https:\/\/console\.example\.com\/invite\/tinv_/);
  assert.ok(invitation.url.endsWith(encodeURIComponent(invitation.token)));
  assert.equal(invitation.invitedBy?.userId, owner.userId);

  // Listed without its token; only the token's sha256 is stored.
  const pending = await api.request('GET', '/v1/invitations', { cookie: owner.cookie, tenant: tenantId });
  assert.equal(pending.status, 200);
  const listed = listOf(InvitationSchema)
    .parse(pending.body)
    .data.find((i) => i.id === invitation.id);
  assert.ok(listed);
  assert.ok(!JSON.stringify(pending.body).includes(invitation.token));
  const stored = await db.query('SELECT "tokenHash" FROM invitations WHERE id = $1', [invitation.id]);
  assert.notEqual(stored.rows[0].tokenHash, invitation.token);
  assert.match(stored.rows[0].tokenHash, /^[0-9a-f]{64}$/);

  const preview = await api.request('POST', '/v1/invitations/preview', { body: { token: invitation.token } });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.deepEqual(
    { ...InvitationPreviewSchema.parse(preview.body), expiresAt: '' },
    {
      tenantName: 'members',
      email: 'alice@members.test',
      role: 'member',
      expiresAt: '',
      accountExists: false,
    },
  );

  const weak = await api.request('POST', '/v1/invitations/accept', {
    body: { token: invitation.token, name: 'Alice', password: 'short' },
  });
  assert.equal(weak.status, 400, 'the password rule of user creation');
  assert.equal(weak.body.error.details[0].field, 'password');

  const accepted = await api.request('POST', '/v1/invitations/accept', {
    body: { token: invitation.token, name: 'Alice', password: PASSWORD },
  });
  assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  const joined = AcceptedInvitationSchema.parse(accepted.body);
  assert.equal(joined.tenantId, tenantId);
  assert.equal(joined.member.role, 'member');
  const alice = joined.member.userId;

  const again = await api.request('POST', '/v1/invitations/accept', {
    body: { token: invitation.token, name: 'Mallory', password: PASSWORD },
  });
  assert.equal(again.status, 404);
  assert.match(again.body.error.message, /already been used/);

  const aliceCookie = await api.login('alice@members.test', PASSWORD);
  const seen = await members(aliceCookie);
  assert.deepEqual(seen.map((m) => [m.email, m.role]).sort(), [
    ['alice@members.test', 'member'],
    ['owner@members.test', 'owner'],
  ]);

  // A member reads but manages nobody.
  assert.equal((await invite(aliceCookie, 'x@members.test', 'member')).status, 403);
  const promoteSelf = await api.request('PATCH', `/v1/members/${alice}`, {
    cookie: aliceCookie,
    tenant: tenantId,
    body: { role: 'admin' },
  });
  assert.equal(promoteSelf.status, 403);

  const promoted = await api.request('PATCH', `/v1/members/${alice}`, {
    cookie: owner.cookie,
    tenant: tenantId,
    body: { role: 'admin' },
  });
  assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
  assert.equal(MemberSchema.parse(promoted.body).role, 'admin');

  const removed = await api.request('DELETE', `/v1/members/${alice}`, {
    cookie: owner.cookie,
    tenant: tenantId,
  });
  assert.equal(removed.status, 204);
  assert.equal(
    (await api.request('GET', '/v1/members', { cookie: aliceCookie, tenant: tenantId })).status,
    404,
  );
  assert.deepEqual(
    (await members(owner.cookie)).map((m) => m.email),
    ['owner@members.test'],
  );
});

test('admins manage members and admins, never owners; nobody demotes or removes the last owner', async () => {
  const admin = await createMember(tenantId, 'admin@members.test', 'admin');
  const member = await createMember(tenantId, 'member@members.test', 'member');
  const patch = (cookie: string, userId: string, role: string) =>
    api.request('PATCH', `/v1/members/${userId}`, { cookie, tenant: tenantId, body: { role } });
  const remove = (cookie: string, userId: string) =>
    api.request('DELETE', `/v1/members/${userId}`, { cookie, tenant: tenantId });

  assert.equal(
    (await invite(admin.cookie, 'owner2@members.test', 'owner')).status,
    403,
    'admins make no owners',
  );
  assert.equal((await invite(admin.cookie, 'admin2@members.test', 'admin')).status, 201);
  assert.equal((await patch(admin.cookie, member.userId, 'admin')).status, 200);
  assert.equal((await patch(admin.cookie, member.userId, 'member')).status, 200);
  assert.equal((await patch(admin.cookie, member.userId, 'owner')).status, 403);
  assert.equal((await patch(admin.cookie, owner.userId, 'admin')).status, 403);
  assert.equal((await remove(admin.cookie, owner.userId)).status, 403);

  // The last owner, by themself or by the operator, stays.
  for (const cookie of [owner.cookie, operator]) {
    const demote = await patch(cookie, owner.userId, 'admin');
    assert.equal(demote.status, 409, JSON.stringify(demote.body));
    assert.match(demote.body.error.message, /last owner/);
    assert.equal((await remove(cookie, owner.userId)).status, 409);
  }
  const leave = await api.request('DELETE', `/v1/account/memberships/${tenantId}`, { cookie: owner.cookie });
  assert.equal(leave.status, 409);

  // With a second owner, the first may step down; two owners demoting each other at once keep one.
  assert.equal((await patch(owner.cookie, admin.userId, 'owner')).status, 200);
  const [a, b] = await Promise.all([
    patch(owner.cookie, admin.userId, 'admin'),
    patch(admin.cookie, owner.userId, 'admin'),
  ]);
  // The loser finds itself demoted under the tenant's lock: refused, as an admin (403) or as the last owner (409).
  const [won, lost] = [a.status, b.status].sort();
  assert.equal(won, 200);
  assert.ok(lost === 403 || lost === 409, String(lost));
  const owners = (await members(owner.cookie)).filter((m) => m.role === 'owner');
  assert.equal(owners.length, 1);
  // Put the original owner back as the only owner for the tests that follow.
  const remaining = owners[0]?.userId === owner.userId ? owner : admin;
  if (remaining !== owner) {
    assert.equal((await patch(admin.cookie, owner.userId, 'owner')).status, 200);
    assert.equal((await patch(owner.cookie, admin.userId, 'admin')).status, 200);
  }

  // Anyone but the last owner may leave.
  assert.equal(
    (await api.request('DELETE', `/v1/account/memberships/${tenantId}`, { cookie: member.cookie })).status,
    204,
  );
  assert.equal((await remove(admin.cookie, admin.userId)).status, 204, 'an admin may remove themself');
});

test('API keys cannot list or manage members, even with the write scope', async () => {
  assert.equal((await api.request('GET', '/v1/members', { key: apiKey })).status, 403);
  assert.equal((await api.request('GET', '/v1/invitations', { key: apiKey })).status, 403);
  const res = await api.request('POST', '/v1/invitations', {
    key: apiKey,
    body: { email: 'k@members.test' },
  });
  assert.equal(res.status, 403);
  assert.match(res.body.error.message, /signed-in users/);
  assert.equal(
    (await api.request('PATCH', `/v1/members/${owner.userId}`, { key: apiKey, body: { role: 'member' } }))
      .status,
    403,
  );
});

test('expired, used, revoked and unknown tokens are refused with what happened', async () => {
  const expired = await invited(owner.cookie, 'late@members.test');
  await db.query(`UPDATE invitations SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [
    expired.id,
  ]);
  const revoked = await invited(owner.cookie, 'revoked@members.test');
  assert.equal(
    (await api.request('DELETE', `/v1/invitations/${revoked.id}`, { cookie: owner.cookie, tenant: tenantId }))
      .status,
    204,
  );
  for (const [token, why] of [
    [expired.token, /expired/],
    [revoked.token, /revoked/],
    ['tinv_not-a-real-token', /not found/],
  ] as const) {
    const preview = await api.request('POST', '/v1/invitations/preview', { body: { token } });
    assert.equal(preview.status, 404, JSON.stringify(preview.body));
    assert.match(preview.body.error.message, why);
    const accept = await api.request('POST', '/v1/invitations/accept', {
      body: { token, name: 'Late', password: PASSWORD },
    });
    assert.equal(accept.status, 404, JSON.stringify(accept.body));
    assert.match(accept.body.error.message, why);
  }
  // Neither left an account or a membership behind.
  const users = await db.query(
    `SELECT count(*)::int AS n FROM users WHERE email IN ('late@members.test', 'revoked@members.test')`,
  );
  assert.equal(users.rows[0].n, 0);
  // Hostile input: an oversized token is refused by validation, unread.
  assert.equal(
    (await api.request('POST', '/v1/invitations/preview', { body: { token: 'x'.repeat(10_000) } })).status,
    400,
  );
});

test('two concurrent accepts of one invitation give one membership', async () => {
  const invitation = await invited(owner.cookie, 'race@members.test');
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      api.request('POST', '/v1/invitations/accept', {
        body: { token: invitation.token, name: `Racer ${i}`, password: PASSWORD },
      }),
    ),
  );
  const statuses = results.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
  for (const r of results.filter((x) => x.status !== 201))
    assert.ok([404, 409].includes(r.status), JSON.stringify(r.body));
  const rows = await db.query(
    `SELECT count(*)::int AS n FROM memberships m JOIN users u ON u.id = m."userId" WHERE u.email = 'race@members.test'`,
  );
  assert.equal(rows.rows[0].n, 1);
});

test('an existing account accepts signed in, with the matching e-mail only; members are not invited twice', async () => {
  const other = await api.tenantWithKey('elsewhere', operator);
  const dave = await createMember(other.tenantId, 'dave@members.test', 'owner');
  const eve = await createMember(other.tenantId, 'eve@members.test', 'member');
  const invitation = await invited(owner.cookie, 'dave@members.test', 'admin');

  const preview = await api.request('POST', '/v1/invitations/preview', { body: { token: invitation.token } });
  assert.equal(preview.body.accountExists, true);
  const asNew = await api.request('POST', '/v1/invitations/accept', {
    body: { token: invitation.token, name: 'Dave again', password: PASSWORD },
  });
  assert.equal(asNew.status, 409);
  assert.match(asNew.body.error.message, /sign in/);

  const wrongUser = await api.request('POST', '/v1/account/invitations/accept', {
    cookie: eve.cookie,
    body: { token: invitation.token },
  });
  assert.equal(wrongUser.status, 403);
  const accepted = await api.request('POST', '/v1/account/invitations/accept', {
    cookie: dave.cookie,
    body: { token: invitation.token },
  });
  assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  assert.equal(AcceptedInvitationSchema.parse(accepted.body).member.role, 'admin');
  // Dave now belongs to two tenants and names the one he acts in.
  assert.ok((await members(dave.cookie, tenantId)).some((m) => m.email === 'dave@members.test'));

  const twice = await invite(owner.cookie, 'dave@members.test', 'member');
  assert.equal(twice.status, 409);
  assert.equal(twice.body.error.details[0].field, 'email');

  // Tenant isolation: Dave, an owner elsewhere, reaches none of that tenant's invitations by id.
  const theirs = await invited(owner.cookie, 'isolated@members.test');
  const cross = await api.request('DELETE', `/v1/invitations/${theirs.id}`, {
    cookie: dave.cookie,
    tenant: other.tenantId,
  });
  assert.equal(cross.status, 404);
  assert.equal(
    (await api.request('GET', '/v1/members', { cookie: eve.cookie, tenant: tenantId })).status,
    404,
  );
});

test('a password change needs the current password and signs out the other sessions, keeping this one', async () => {
  const user = await createMember(tenantId, 'pat@members.test', 'member');
  const elsewhere = await api.login(user.email, PASSWORD);
  const third = await api.login(user.email, PASSWORD);

  const sessions = await api.request('GET', '/v1/account/sessions', { cookie: user.cookie });
  assert.equal(sessions.status, 200);
  const listed = listOf(AccountSessionSchema).parse(sessions.body).data;
  assert.equal(listed.length, 3);
  assert.equal(listed.filter((s) => s.current).length, 1);
  // Each remembers where it signed in from (the socket's address here; the browser's behind the dashboard).
  for (const s of listed) {
    assert.match(s.ip ?? '', /127\.0\.0\.1/);
    assert.ok(s.userAgent);
  }

  const wrong = await api.request('POST', '/v1/account/password', {
    cookie: user.cookie,
    body: { currentPassword: 'not-the-password', newPassword: 'a-new-password-2' },
  });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.body.error.details[0].field, 'currentPassword');
  const weak = await api.request('POST', '/v1/account/password', {
    cookie: user.cookie,
    body: { currentPassword: PASSWORD, newPassword: 'short' },
  });
  assert.equal(weak.status, 400);

  const changed = await api.request('POST', '/v1/account/password', {
    cookie: user.cookie,
    body: { currentPassword: PASSWORD, newPassword: 'a-new-password-2' },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.deepEqual(changed.body, { signedOut: 2 });
  assert.equal((await api.request('GET', '/v1/auth/me', { cookie: elsewhere })).status, 401);
  assert.equal((await api.request('GET', '/v1/auth/me', { cookie: third })).status, 401);
  assert.equal((await api.request('GET', '/v1/auth/me', { cookie: user.cookie })).status, 200);

  const old = await api.request('POST', '/v1/auth/login', {
    body: { email: user.email, password: PASSWORD },
  });
  assert.equal(old.status, 401, 'the old password no longer signs in');
  const fresh = await api.login(user.email, 'a-new-password-2');

  // Sign out one session by id, then all others.
  const mine = listOf(AccountSessionSchema).parse(
    (await api.request('GET', '/v1/account/sessions', { cookie: user.cookie })).body,
  ).data;
  const freshId = mine.find((s) => !s.current)?.id;
  assert.ok(freshId);
  assert.equal(
    (await api.request('DELETE', `/v1/account/sessions/${freshId}`, { cookie: user.cookie })).status,
    204,
  );
  assert.equal((await api.request('GET', '/v1/auth/me', { cookie: fresh })).status, 401);
  // Another user's session id is not found.
  const ownerSessions = listOf(AccountSessionSchema).parse(
    (await api.request('GET', '/v1/account/sessions', { cookie: owner.cookie })).body,
  ).data;
  assert.equal(
    (await api.request('DELETE', `/v1/account/sessions/${ownerSessions[0]?.id}`, { cookie: user.cookie }))
      .status,
    404,
  );

  const again = await api.login(user.email, 'a-new-password-2');
  const others = await api.request('POST', '/v1/account/sessions/sign-out-others', { cookie: user.cookie });
  assert.deepEqual(others.body, { signedOut: 1 });
  assert.equal((await api.request('GET', '/v1/auth/me', { cookie: again })).status, 401);
  assert.equal((await api.request('GET', '/v1/auth/me', { cookie: user.cookie })).status, 200);
});

test('accepting invitations and changing passwords are rate-limited like sign-in', async () => {
  // Its own database: the counters are shared through Postgres, and the other tests used this IP's budget.
  const limited = await TestApi.start({ LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
  try {
    const op = await limited.login();
    const tenant = await limited.tenantWithKey('limited', op);
    const user = await limited.request('POST', `/v1/tenants/${tenant.tenantId}/users`, {
      cookie: op,
      body: { email: 'limited@members.test', name: 'Limited', password: PASSWORD, role: 'owner' },
    });
    assert.equal(user.status, 201);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await limited.request('POST', '/v1/invitations/preview', { body: { token: `tinv_guess${i}` } }))
          .status,
      );
    assert.deepEqual(statuses, [404, 404, 404, 429]);
    const res = await limited.request('POST', '/v1/invitations/accept', {
      body: { token: 'tinv_guess', name: 'G', password: PASSWORD },
    });
    assert.equal(res.status, 429);
    assert.ok(res.headers.get('retry-after'));

    const cookie = await limited.login('limited@members.test', PASSWORD);
    const tries: number[] = [];
    for (let i = 0; i < 4; i++)
      tries.push(
        (
          await limited.request('POST', '/v1/account/password', {
            cookie,
            body: { currentPassword: `guess-${i}`, newPassword: 'a-new-password-3' },
          })
        ).status,
      );
    assert.deepEqual(tries, [403, 403, 403, 429]);
  } finally {
    await limited.close();
  }
});

test('expired invitations, and used or revoked ones after a day, are purged; pending ones stay', async () => {
  const [expired, used, fresh, pendingOne] = await Promise.all(
    ['purge-expired', 'purge-used', 'purge-fresh', 'purge-pending'].map((n) =>
      invited(owner.cookie, `${n}@members.test`),
    ),
  );
  assert.ok(expired && used && fresh && pendingOne);
  await db.query(`UPDATE invitations SET "expiresAt" = now() - interval '1 minute' WHERE id = $1`, [
    expired.id,
  ]);
  await db.query(`UPDATE invitations SET "acceptedAt" = now() - interval '25 hours' WHERE id = $1`, [
    used.id,
  ]);
  await db.query(`UPDATE invitations SET "revokedAt" = now() - interval '1 hour' WHERE id = $1`, [fresh.id]);
  const counts = await api.api.app.get(RetentionService).runOnce();
  assert.ok(counts.invitations >= 2);
  const left = await db.query<{ id: string }>('SELECT id FROM invitations WHERE id = ANY($1)', [
    [expired.id, used.id, fresh.id, pendingOne.id],
  ]);
  assert.deepEqual(left.rows.map((r) => r.id).sort(), [fresh.id, pendingOne.id].sort());
});
