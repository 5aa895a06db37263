/**
 * A crash run's schedule, all drawn from one seed: the shop (products and stock), the request mix
 * and the faults (kind, when, how long). The same seed gives the same schedule; the interleaving of
 * answers with the faults still depends on the machine's timing.
 */

import { random } from '../../loadtest/random.ts';

export type FaultKind = 'order-sigkill' | 'order-sigstop' | 'gateway-sigkill';

export interface Fault {
  kind: FaultKind;
  /** How long after the fault before it was undone (or after the load started) it is applied. */
  gapMs: number;
  /** SIGKILL: how long the process stays dead before its restart; SIGSTOP: how long it stays stopped. */
  downMs: number;
}

export interface Schedule {
  seed: number;
  products: { id: string; name: string; price: string; stock: number }[];
  /** Requests per second the test sends (bounded by MAX_IN_FLIGHT). */
  rate: number;
  /** The load runs at least this long, and on until the last fault was undone and TAIL_MS more. */
  loadMs: number;
  /** Of the requests: the share that are charges (the rest are query.do), and of charges the share by a new buyer. */
  chargeShare: number;
  newBuyerShare: number;
  faults: Fault[];
  next: () => number;
}

/** As in issue 10's runs, scaled down: the order service killed 2–3 times and stopped once, the gateway killed once. */
export function scheduleOf(seed: number, loadMs: number): Schedule {
  const next = random(seed);
  const between = (low: number, high: number) => Math.round(low + next() * (high - low));
  const kinds: FaultKind[] = ['order-sigstop', 'gateway-sigkill', 'order-sigkill', 'order-sigkill'];
  if (next() < 0.5) kinds.push('order-sigkill');
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  // Restarts take seconds on these machines: faults come one after the other, with the system up
  // for a while in between (so buyers also see it decide orders), not at absolute times.
  const faults = kinds.map((kind) => ({
    kind,
    gapMs: between(300, 1500),
    downMs: kind === 'order-sigstop' ? between(1000, 3000) : kind === 'order-sigkill' ? between(200, 1500) : 0,
  }));
  // ~600 new buyers per product come in a run: the first product sells out under load, the second
  // usually keeps units for the top-up to sell after the crashes.
  const stocks = [between(150, 500), between(700, 1500)];
  const products = stocks.map((stock, i) => ({
    id: `crash_${seed % 1000}_${i + 1}`,
    name: `Crash ${i + 1}`,
    price: '9.90',
    stock,
  }));
  return { seed, products, rate: 300, loadMs, chargeShare: 0.6, newBuyerShare: 0.5, faults, next };
}
