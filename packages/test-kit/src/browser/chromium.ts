import type { Browser } from 'playwright-core';

/** Debian's Chromium, headless, with nothing that phones home or needs a GPU. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  // Players start muted video on their own, as a user's browser allows.
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Launches the system Chromium (`CHROMIUM_PATH`, else Debian's /usr/bin/chromium) through
 * playwright-core, which downloads no browser. playwright-core loads only here, so test files that
 * never open a browser do not pay for it.
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}
