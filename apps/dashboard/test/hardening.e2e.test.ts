import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium } from '@tributary/test-kit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signIn } from './support/browser';
import { type Stack, startStack } from './support/stack';

/**
 * Issue 10 through the real dashboard (production build) in a real browser against a
 * running api: sign-in limits count the browser's IP (which the dashboard forwards),
 * not the dashboard's own, and the session cookie is Secure when the request came over
 * HTTPS (X-Forwarded-Proto from the proxy in front, here set by the browser context).
 */

const LOGIN_PER_IP = 3;

describe('dashboard hardening', { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  /** A browser as seen through a reverse proxy that reports it as `ip` (and `proto`). */
  async function browserFrom(ip: string, proto?: string): Promise<Page> {
    const context = await browser.newContext({
      extraHTTPHeaders: { 'x-forwarded-for': ip, ...(proto ? { 'x-forwarded-proto': proto } : {}) },
    });
    contexts.push(context);
    return context.newPage();
  }

  async function tryPassword(page: Page, email: string, password: string): Promise<string> {
    await page.goto(`${stack.dashboardUrl}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    const answered = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login',
      { timeout: 30_000 },
    );
    await page.getByRole('button', { name: 'Sign in' }).click();
    await answered;
    const form = page.getByRole('form', { name: 'Sign in' });
    await form
      .getByText(/wrong e-mail or password|rate limit/i)
      .first()
      .waitFor({ timeout: 30_000 });
    return (await form.innerText()).toLowerCase();
  }

  before(async () => {
    stack = await startStack({ apiEnv: { LOGIN_RATE_LIMIT_PER_MINUTE: String(LOGIN_PER_IP) } });
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await stack?.stop();
  });

  it("counts sign-in attempts per browser IP: one guessing browser does not lock out another's", async () => {
    // Rate limits count per minute: start with room left in the current minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
    const guesser = await browserFrom('198.51.100.7');
    for (let i = 0; i < LOGIN_PER_IP; i++) {
      assert.match(
        await tryPassword(guesser, `nobody${i}@e2e.test`, 'wrong-password-1'),
        /wrong e-mail or password/,
      );
    }
    assert.match(await tryPassword(guesser, 'nobody@e2e.test', 'wrong-password-1'), /rate limit/);
    const other = await browserFrom('198.51.100.8');
    await signIn(other, stack.dashboardUrl, stack.operator.email, stack.operator.password);
  });

  it('sets the session cookie Secure when the request came over HTTPS', async () => {
    const page = await browserFrom('198.51.100.9', 'https');
    await page.goto(`${stack.dashboardUrl}/login`);
    await page.getByLabel('Email').fill(stack.operator.email);
    await page.getByLabel('Password').fill(stack.operator.password);
    const answered = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login',
      { timeout: 30_000 },
    );
    await page.getByRole('button', { name: 'Sign in' }).click();
    const response = await answered;
    const setCookie = (await response.headersArray())
      .filter((h) => h.name.toLowerCase() === 'set-cookie')
      .map((h) => h.value)
      .join('\n');
    const session = setCookie.split('\n').find((line) => line.startsWith('tributary_session='));
    assert.ok(session, `a session cookie is set: ${setCookie}`);
    assert.match(session, /;\s*secure/i);
    assert.match(session, /;\s*httponly/i);

    // Over plain http the same sign-in gets no Secure flag (it would not be sent back).
    const plain = await browserFrom('198.51.100.10');
    await signIn(plain, stack.dashboardUrl, stack.operator.email, stack.operator.password);
    const cookie = (await plain.context().cookies(stack.dashboardUrl)).find(
      (c) => c.name === 'tributary_session',
    );
    assert.equal(cookie?.secure, false);
  });
});
