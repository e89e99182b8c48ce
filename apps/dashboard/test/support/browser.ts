import type { Browser, Page } from 'playwright-core';

/** Signs in through the dashboard's sign-in page and waits for the streams page. */
export async function signIn(
  page: Page,
  dashboardUrl: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${dashboardUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${dashboardUrl}/streams`);
}

/**
 * Collects into `errors` (each prefixed with the page's URL) the page's uncaught errors and, unless
 * `consoleMessages` is false, its console errors: the tests assert none were seen.
 */
export function collectPageErrors(page: Page, errors: string[], { consoleMessages = true } = {}): void {
  if (consoleMessages)
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`${page.url()}: ${msg.text()}`);
    });
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
}

/**
 * A 1280x900 page in a new context of `browser` that collects its errors into `errors` (collectPageErrors)
 * and accepts every dialog (the pages' confirm()s).
 */
export async function consolePage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  collectPageErrors(page, errors);
  page.on('dialog', (dialog) => void dialog.accept());
  return page;
}
