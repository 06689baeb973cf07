// Headless Debian Chromium driven by playwright-core, with a fresh profile and
// nothing that reaches the network on its own.
import * as fs from 'fs';
import * as path from 'path';
import { BrowserContext, chromium } from './playwright';
import { chromiumPath } from './tools';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** A browser context in `profileDir`, which the caller creates fresh for each run. */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  fs.mkdirSync(profileDir, { recursive: true });
  return chromium().launchPersistentContext(path.join(profileDir, 'chromium'), {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 900 },
    env: { ...process.env, XDG_CONFIG_HOME: path.join(profileDir, 'xdg-config'), XDG_CACHE_HOME: path.join(profileDir, 'xdg-cache') },
  });
}
