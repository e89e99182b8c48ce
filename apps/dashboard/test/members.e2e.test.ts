import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Member } from '@tributary/contracts';
import { launchChromium } from '@tributary/test-kit';
import type { Browser, Page } from 'playwright-core';
import { consolePage, signIn } from './support/browser';
import { RestSession } from './support/rest';
import { artifactsDir, type Stack, startStack } from './support/stack';

/**
 * Members, invitations and account security in a real browser against a running api: the owner
 * invites a member and copies the link shown once, the invitee opens it in a second browser context
 * and joins with a new password, the owner makes them an admin and removes them; a password change
 * signs the owner's other browser out while the one that changed it stays signed in.
 */
describe('members and account in the dashboard', { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let ownerPage: Page;
  let rest: RestSession;
  let tenantId = '';
  const consoleErrors: string[] = [];
  const owner = { email: 'owner@team.test', password: 'owner-password-1' };
  const invitee = { email: 'ivy@team.test', name: 'Ivy Invitee', password: 'ivy-password-1' };

  const membersOf = async () =>
    (await rest.request<{ data: Member[] }>('GET', '/v1/members', { tenantId })).data;

  before(async () => {
    stack = await startStack();
    rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    tenantId = await rest.tenantWithOwner('Team', { ...owner, name: 'Olive Owner' });
    browser = await launchChromium();
    ownerPage = await consolePage(browser, consoleErrors);
    await signIn(ownerPage, stack.dashboardUrl, owner.email, owner.password);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('invites, the invitee joins from the link, the owner changes their role and removes them', async () => {
    await ownerPage.getByRole('link', { name: 'Members' }).click();
    await ownerPage.waitForURL(`${stack.dashboardUrl}/members`);
    await ownerPage.getByLabel('E-mail').fill(invitee.email);
    await ownerPage.getByLabel('Role', { exact: true }).selectOption('member');
    await ownerPage.getByRole('button', { name: 'Create invitation' }).click();
    const once = ownerPage.getByTestId('shown-once');
    await once.waitFor();
    const link = (await once.locator('code').innerText()).trim();
    assert.ok(link.startsWith(`${stack.dashboardUrl}/invite/tinv_`), link);
    await ownerPage.getByTestId('invitation-row').filter({ hasText: invitee.email }).waitFor();

    // The invitee, in a browser of their own with no session, opens the link and joins.
    const inviteePage = await consolePage(browser, consoleErrors);
    await inviteePage.goto(link);
    await inviteePage.getByRole('heading', { name: 'Join Team' }).waitFor();
    await inviteePage.getByLabel('Your name').fill(invitee.name);
    await inviteePage.getByLabel('Password').fill(invitee.password);
    await inviteePage.getByRole('button', { name: 'Join' }).click();
    await inviteePage.waitForURL(`${stack.dashboardUrl}/streams`);
    await inviteePage.goto(`${stack.dashboardUrl}/members`);
    const ownRow = inviteePage.getByTestId('member-row').filter({ hasText: invitee.email });
    await ownRow.getByText('(you)').waitFor();
    // A member sees the list but no controls for others, and no invitations.
    assert.equal(await inviteePage.getByRole('button', { name: 'Create invitation' }).count(), 0);
    assert.equal(await inviteePage.getByRole('button', { name: 'Remove' }).count(), 0);

    // The used link is spent.
    const again = await consolePage(browser, consoleErrors);
    await again.goto(link);
    await again.getByText('This invitation cannot be used').waitFor();
    await again.getByText('already been used').waitFor();
    await again.context().close();

    await ownerPage.reload();
    assert.equal(await ownerPage.getByTestId('invitation-row').count(), 0, 'no longer pending');
    const row = ownerPage.getByTestId('member-row').filter({ hasText: invitee.email });
    await row.getByRole('combobox').selectOption('admin');
    await row.getByRole('button', { name: 'Change' }).click();
    await row.getByText('Saved').waitFor();
    assert.equal((await membersOf()).find((m) => m.email === invitee.email)?.role, 'admin');
    await ownerPage.screenshot({ path: join(artifactsDir, 'members.png'), fullPage: true });

    await row.getByRole('button', { name: 'Remove' }).click();
    await row.waitFor({ state: 'detached' });
    assert.deepEqual(
      (await membersOf()).map((m) => m.email),
      [owner.email],
    );
    // Removed, the invitee's tenant pages have nothing left to show them.
    await inviteePage.goto(`${stack.dashboardUrl}/members`);
    await inviteePage.getByText('not a member of any tenant').waitFor();
    await inviteePage.context().close();
    assert.deepEqual(consoleErrors, []);
  });

  it("changing the password signs the owner's other browser out and keeps this one", async () => {
    const other = await consolePage(browser, consoleErrors);
    await signIn(other, stack.dashboardUrl, owner.email, owner.password);

    await ownerPage.getByRole('link', { name: 'Account' }).click();
    await ownerPage.waitForURL(`${stack.dashboardUrl}/account`);
    await ownerPage.getByTestId('session-row').nth(1).waitFor();
    assert.equal(await ownerPage.getByTestId('session-row').count(), 2);
    // Each session names the browser that signed in (forwarded by the dashboard, not its own server's).
    for (const row of await ownerPage.getByTestId('session-row').allTextContents())
      assert.match(row, /Chrome/, row);
    await ownerPage.locator('[data-testid="session-row"][data-current="true"]').waitFor();
    await ownerPage.getByLabel('Current password', { exact: true }).fill('not-my-password');
    await ownerPage.getByLabel('New password', { exact: true }).fill('owner-password-2');
    await ownerPage.getByLabel('Repeat the new password').fill('owner-password-2');
    await ownerPage.getByRole('button', { name: 'Change password' }).click();
    await ownerPage.getByText('wrong password').waitFor();

    await ownerPage.getByLabel('Current password', { exact: true }).fill(owner.password);
    await ownerPage.getByRole('button', { name: 'Change password' }).click();
    await ownerPage.getByTestId('password-changed').getByText('1 other session was signed out').waitFor();
    await ownerPage.reload();
    await ownerPage.locator('[data-testid="session-row"][data-current="true"]').waitFor();
    assert.equal(await ownerPage.getByTestId('session-row').count(), 1);

    await other.goto(`${stack.dashboardUrl}/streams`);
    await other.waitForURL(/\/login/);
    await other.context().close();
    await ownerPage.goto(`${stack.dashboardUrl}/streams`);
    await ownerPage.waitForURL(`${stack.dashboardUrl}/streams`);
    // The new password signs in; the old one no longer does.
    await RestSession.login(stack.apiUrl, owner.email, 'owner-password-2');
    await assert.rejects(RestSession.login(stack.apiUrl, owner.email, owner.password), /401/);
    assert.deepEqual(consoleErrors, []);
  });
});
