/**
 * A stand-in for the Java demo this project is modelled on (TaXueWWL/seckill-rocketmq), in the test
 * process, speaking its shapes (loadtest/profiles/seckill-rocketmq.yaml): every answer HTTP 200, codes
 * as strings, Chinese messages, `orderStatus` a number, `{"code":"41004"}` with no data for an
 * unknown order. Its "order service" writes each queued order a few ms later (status 1, then 2), as
 * the demo's consumer does. Defects a test can inject: admitting units beyond the stock (an
 * oversell), and never writing some queued orders (lost).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoDefects {
  /** Units the gateway admits beyond the stock (its pre-reduced stock counter starts this much too high). */
  extraUnits?: number;
  /** The n-th queued orders (1-based) the order service never writes. */
  loseOrders?: number[];
}

export interface DemoStandIn {
  url: string;
  /** Orders written: the demo's t_seckill_order. */
  orders: Map<string, { orderId: string; orderStatus: number }>;
  close(): Promise<void>;
}

const answer = (res: http.ServerResponse, body: unknown) => {
  // The demo's gateway answers HTTP 200 whatever happened: only the code says.
  res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(JSON.stringify(body));
};

export async function demoStandIn(
  products: { id: string; price: string; stock: number }[],
  defects: DemoDefects = {},
): Promise<DemoStandIn> {
  const stock = new Map(products.map((p) => [p.id, p.stock + (defects.extraUnits ?? 0)]));
  const price = new Map(products.map((p) => [p.id, p.price]));
  const orders = new Map<string, { orderId: string; orderStatus: number }>();
  const timers = new Set<NodeJS.Timeout>();
  let queued = 0;
  const later = (ms: number, f: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (req.method === 'GET' && url.pathname === '/api/query.do') {
      const phone = url.searchParams.get('userPhoneNum') ?? '';
      const prodId = url.searchParams.get('prodId') ?? '';
      if (!phone || !prodId) return answer(res, { code: '40005', msg: '入参校验失败' });
      const order = orders.get(`${prodId}|${phone}`);
      if (!order) return answer(res, { code: '41004', msg: '秒杀订单不存在' });
      return answer(res, {
        code: '10000',
        msg: 'SUCCESS',
        data: {
          ...order,
          userPhoneNo: phone,
          prodId,
          prodName: 'iPhone',
          chargeMoney: price.get(prodId),
          chargeTime: '',
          finishTime: '',
        },
      });
    }
    if (req.method === 'POST' && url.pathname === '/api/charge.do') {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        const form = new URLSearchParams(text);
        const phone = form.get('userPhoneNum') ?? '';
        const prodId = form.get('prodId') ?? '';
        const chargePrice = form.get('chargePrice') ?? '';
        if (!phone || !prodId || !chargePrice) return answer(res, { code: '40005', msg: '入参校验失败', data: null });
        const left = stock.get(prodId);
        if (left === undefined) return answer(res, { code: '40007', msg: '秒杀商品不存在', data: null });
        // Not the demo's own check (it only refuses a negative price): the price must be the product's,
        // as this project's gateway requires, so that the harness's one-cent-off warm-up takes no unit.
        if (chargePrice !== price.get(prodId)) return answer(res, { code: '40005', msg: '入参校验失败', data: null });
        if (left <= 0) return answer(res, { code: '40006', msg: '秒杀商品库存不足', data: null });
        stock.set(prodId, left - 1);
        queued += 1;
        const orderId = randomUUID();
        const n = queued;
        // The order service: inserts the row (status 1) once it consumed the message, then marks it 2.
        if (!(defects.loseOrders ?? []).includes(n))
          later(5, () => {
            const row = { orderId, orderStatus: 1 };
            orders.set(`${prodId}|${phone}`, row);
            later(5, () => (row.orderStatus = 2));
          });
        answer(res, {
          code: '10000',
          msg: '秒杀订单排队中',
          data: { orderId, userPhoneNo: phone, prodId, chargeMoney: chargePrice },
        });
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Whitelabel Error Page</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    orders,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
