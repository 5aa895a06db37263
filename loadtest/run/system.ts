import { parseFault } from '../faults/spec.ts';
import { targetUrls } from '../options.ts';
import type { RunPlan } from './plan.ts';
import { startStack, type Stack } from './stack.ts';

/**
 * Step 2: the system under test. With --target it is somebody else's (nothing to start or stop);
 * otherwise a fresh shop of the run's own, stopped by PID when the run ends.
 */
export function startSystem(plan: RunPlan, log: (line: string) => void): Promise<Stack> {
  const { options } = plan;
  const targets = targetUrls(options);
  if (targets[0])
    return Promise.resolve({
      gatewayUrl: targets[0],
      gatewayUrls: targets,
      topology: null,
      faultables: { order: [], gateway: [], redis: [], broker: [] },
      orderUrl: options.orderUrl,
      store: options.db ? { file: options.db } : undefined,
      prometheusUrl: undefined,
      stop: async () => undefined,
    });
  return startStack({
    products: plan.shopProducts,
    transport: options.transport,
    gateways: options.gateways,
    orderServices: options.orderServices,
    store: options.store,
    admission: options.admission,
    faultTargets: options.fault.map((f) => parseFault(f).target),
    observe: options.observe || options.checkDashboards || options.snapshot !== undefined,
    log,
  });
}
