import { execFileSync } from 'node:child_process';

/**
 * `apt-get install` of one Debian package, as root, non-interactive; throws when it fails. The lock
 * timeout waits for another apt run (CI and other helpers install packages too).
 */
export function aptInstall(pkg: string): void {
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', pkg], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
}
