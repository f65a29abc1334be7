/**
 * How every SelfTracker browser test starts Chromium: Debian's package (never a browser download) with the
 * flags this machine needs (no sandbox as root, and no background networking: the network is closed).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
