/**
 * Chromium for the browser tests: Debian's `chromium` package (`/usr/bin/chromium`, which `.ci/run` installs when it
 * is missing) driven by playwright-core, since Playwright's own browser downloads are not available where the tests
 * run. Playwright's default switches are left out (`ignoreDefaultArgs: true`) so the browser runs with exactly the
 * flags below and a fresh profile; the one switch added is `--remote-debugging-pipe`, the channel Playwright drives
 * Chromium through (without it Playwright cannot talk to the browser at all).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, no sandbox (containers), no GPU, and nothing Chromium would fetch on its own (updates, field trials, first-run pages). */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] as const;

export interface LaunchedChromium {
  readonly browser: Browser;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: install Debian's package with \`apt-get install -y chromium\` (.ci/run does this before npm test).`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'aml-warden-chromium-'));
  try {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      ignoreDefaultArgs: true,
      args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe'],
    });
    return {
      browser,
      async close() {
        await browser.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
