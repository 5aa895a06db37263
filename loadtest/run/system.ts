import type { RunPlan } from './plan.ts';
import { startStack, type Stack } from './stack.ts';

/**
 * Step 2: the system under test. With --target it is somebody else's (nothing to start or stop);
 * otherwise a fresh shop of the run's own, stopped by PID when the run ends.
 */
export function startSystem(plan: RunPlan, log: (line: string) => void): Promise<Stack> {
  const { options } = plan;
  if (options.target)
    return Promise.resolve({
      gatewayUrl: options.target,
      orderUrl: options.orderUrl,
      dbPath: options.db,
      prometheusUrl: undefined,
      stop: async () => undefined,
    });
  return startStack({
    products: plan.shopProducts,
    transport: options.transport,
    observe: options.observe || options.checkDashboards || options.snapshot !== undefined,
    log,
  });
}
