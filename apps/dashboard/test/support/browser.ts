import type { Page } from 'playwright-core';

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
