import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PublishCredential } from '@tributary/contracts';
import { launchChromium } from '@tributary/test-kit';
import type { Browser, Page } from 'playwright-core';
import { consolePage, signIn } from './support/browser';
import { RestSession } from './support/rest';
import { artifactsDir, type Stack, startStack } from './support/stack';

/**
 * The stream page's publish credentials (authmod=adobe) in a real browser against a running api: the
 * owner requires a username and password, sees the sign-in URL (never the password), and removes them.
 */
describe('publish credentials on the stream page', { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let rest: RestSession;
  let tenantId = '';
  let streamId = '';
  const consoleErrors: string[] = [];
  const owner = { email: 'owner@authmod.test', password: 'owner-password-1' };
  const username = `studio-${Date.now().toString(36)}`;
  const password = 'secret-pass-42';

  before(async () => {
    stack = await startStack();
    rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    tenantId = await rest.tenantWithOwner('Studio', { ...owner, name: 'Olga Owner' });
    streamId = (
      await rest.request<{ id: string }>('POST', '/v1/live-streams', { body: { name: 'FMLE' }, tenantId })
    ).id;
    browser = await launchChromium();
    page = await consolePage(browser, consoleErrors);
    await signIn(page, stack.dashboardUrl, owner.email, owner.password);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('requires a username and password, shows the sign-in URL without the password, then removes them', async () => {
    await page.goto(`${stack.dashboardUrl}/streams/${encodeURIComponent(streamId)}`);
    const card = page
      .locator('section.card')
      .filter({ has: page.getByRole('heading', { name: 'Publish credentials' }) });
    await card.getByText('Publishing needs only the stream key.').waitFor();
    await card.getByLabel('Username').fill(username);
    await card.getByLabel('Password').fill(password);
    await card.getByRole('button', { name: 'Require credentials' }).click();
    await card.getByTestId('publish-username').filter({ hasText: username }).waitFor();
    const signInUrl = await card.getByTestId('publish-auth-url').innerText();
    assert.match(signInUrl, new RegExp(`^rtmp://${username}:<password>@[^/]+/live-auth$`));
    assert.ok(!(await page.content()).includes(password), 'the password is not on the page');
    const stored = await rest.request<PublishCredential>(
      'GET',
      `/v1/live-streams/${streamId}/publish-credentials`,
      {
        tenantId,
      },
    );
    assert.equal(stored.username, username);
    await page.screenshot({ path: join(artifactsDir, 'stream-publish-credentials.png'), fullPage: true });

    await card.getByRole('button', { name: 'Remove credentials' }).click();
    await card.getByText('Publishing needs only the stream key.').waitFor();
    await assert.rejects(
      rest.request('GET', `/v1/live-streams/${streamId}/publish-credentials`, { tenantId }),
      /: 404 /,
    );
    assert.deepEqual(consoleErrors, []);
  });
});
