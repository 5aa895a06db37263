/** First-run friction: npm start with a taken port, dashboards:check against stopped services. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { targetsDownHint } from '../../dashboards/check.ts';
import { freePort } from '../../infra/launch/processes.ts';

const START = new URL('../../infra/launch/start.ts', import.meta.url).pathname;

test(
  'npm start with a taken port: one line naming the port and the variable that moves it; nothing started',
  { timeout: 60_000 },
  async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as net.AddressInfo).port;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-port-'));
    try {
      const env = {
        ...process.env,
        GATEWAY_PORT: String(taken),
        ORDER_PORT: String(await freePort()),
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
      };
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, ['--import', 'tsx', START], { env, timeout: 50_000 }, (error, out, err) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout: out, stderr: err }),
        ),
      );
      assert.equal(code, 1, `${stdout}\n${stderr}`);
      assert.equal(stdout, '');
      assert.deepEqual(stderr.trim().split('\n'), [
        `npm start: port ${taken} (gateway) on 127.0.0.1 is taken (another npm start?): stop what uses it, or set GATEWAY_PORT=<another port>`,
      ]);
      // Checked before anything started: the order service never created its database.
      assert.deepEqual(fs.readdirSync(dataDir), []);
    } finally {
      holder.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

test('dashboards:check says when its scrape targets were down over the window', () => {
  const window = { start: 1_800_000_000, end: 1_800_000_300 };
  assert.equal(
    targetsDownHint(
      [
        { job: 'gateway', everUp: true },
        { job: 'order-service', everUp: true },
        { job: 'rocketmq', everUp: false },
      ],
      window,
    ),
    null,
    'the broker is optional',
  );
  const down = targetsDownHint(
    [
      { job: 'gateway', everUp: false },
      { job: 'order-service', everUp: false },
    ],
    window,
  );
  assert.match(
    down ?? '',
    /^the scrape targets were down over this window \(2027-01-15T08:00:00\.000Z → .*\): gateway and order-service never answered \(gateway down, order-service down\)\. Start the services/,
  );
  assert.match(targetsDownHint([], window) ?? '', /gateway and order-service never answered \(no scrape targets at all\)/);
});
