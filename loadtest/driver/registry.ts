/** The one place a driver is chosen: every driver by its name (the names live in types.ts). */
import { autocannonDriver } from './autocannon.ts';
import { k6Driver } from './k6/run.ts';
import { pacedDriver } from './paced/paced.ts';
import type { Driver, DriverConfig, DriverName, DriverResult, DriverSinks } from './types.ts';

export const DRIVERS: Readonly<Record<DriverName, Driver>> = { paced: pacedDriver, autocannon: autocannonDriver, k6: k6Driver };

/** Runs the named driver; a closed loop on a driver that has none is refused, never silently paced. */
export function runDriver(
  name: DriverName,
  config: DriverConfig,
  sinks: DriverSinks,
  signal?: AbortSignal,
): Promise<DriverResult> {
  const driver = DRIVERS[name];
  if (config.closedLoop && !driver.closedLoop) throw new Error(`--closed-loop: the ${name} driver has no closed loop`);
  return driver.run(config, sinks, signal);
}
