/** Debian's Chromium, as the browser tests launch it (playwright-core, no downloaded browser). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless as root, and no background networking: this machine's network is closed, and without
 * these flags Chromium's own connections are refused many at a time.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
