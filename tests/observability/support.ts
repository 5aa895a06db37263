/**
 * What the observability tests do when a real dependency (Prometheus, Chromium) cannot be had here:
 * skip with a line nobody can miss, or fail when REQUIRE_REAL_SERVICES=1 (CI).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { aptInstall } from '../../infra/apt.ts';
import { ensurePrometheus, PrometheusUnavailable } from '../../infra/prometheus/prometheus.ts';
import { CHROMIUM } from '../support/chromium.ts';

export function unavailable(t: TestContext, reason: string): void {
  if (process.env.REQUIRE_REAL_SERVICES === '1') assert.fail(`REQUIRE_REAL_SERVICES=1 but ${reason}`);
  console.log(`\n!!!!!! SKIPPED ${t.name}: ${reason}\n`);
  t.skip(reason);
}

/** True when prometheus is (or could be installed and now is) available; otherwise skips or fails t. */
export function havePrometheus(t: TestContext): boolean {
  try {
    ensurePrometheus();
    return true;
  } catch (error) {
    if (!(error instanceof PrometheusUnavailable)) throw error;
    unavailable(t, `no prometheus: ${error.message}`);
    return false;
  }
}

/** Debian's chromium, installed with apt when missing and we are root. */
export function haveChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.getuid?.() === 0) {
    console.log('[observability] chromium missing: apt-get install -y chromium ...');
    try {
      aptInstall('chromium');
    } catch (error) {
      unavailable(t, `apt-get install chromium failed: ${String(error)}`);
      return false;
    }
    if (existsSync(CHROMIUM)) return true;
  }
  unavailable(t, `${CHROMIUM} is missing and could not be installed (not root, or apt failed)`);
  return false;
}
