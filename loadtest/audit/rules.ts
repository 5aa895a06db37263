import { OrderStatus } from '../../services/protocol/codes.ts';

/**
 * The invariants of a flash sale (docs/design.md §1) as pure functions over plain data: what the gateway answered
 * (the driver's record) and what the order store holds. A reader (db.ts or http.ts) fills the input.
 */
export interface AuditProduct {
  id: string;
  initialStock: number;
  /** Stock left in the store; null when the store cannot tell (HTTP-only audit). */
  stock: number | null;
}

export interface AuditOrder {
  orderId: string;
  phone: string;
  prodId: string;
  status: string;
}

/** One request the gateway answered "queued". */
export interface QueuedAnswer {
  orderId: string;
  phone: string;
  prodId: string;
}

export interface AuditInput {
  mode: 'db' | 'http';
  products: AuditProduct[];
  orders: AuditOrder[];
  /** Order ids the order service dead-lettered: final (rejected), not lost. */
  deadLetterIds: ReadonlySet<string>;
  queued: QueuedAnswer[];
  /**
   * Requests sent whose answer never arrived (timeout, or in flight when the driver stopped): the
   * gateway may have queued them. Their orders are "unconfirmed", not phantoms.
   */
  unanswered: { phone: string; prodId: string }[];
  /** True when `orders` is every order in the store (the DB), so that phantoms can be told. */
  ordersComplete: boolean;
  /**
   * On a store shared with other traffic (--target --db): the users this run sent requests for. Only
   * their orders can be phantoms of this run; stock checks still count every order.
   */
  ownUsers?: ReadonlySet<string>;
  /** True when the queue drained and every faulted process came back: underselling is then a breach. */
  expectFullSale: boolean;
}

const EXAMPLES = 5;

interface ProductAudit {
  id: string;
  initialStock: number;
  stock: number | null;
  sold: number;
  queuedUsers: number;
}

export interface AuditResult {
  mode: 'db' | 'http';
  passed: boolean;
  oversold: number;
  stockMismatch: number;
  duplicates: number;
  lost: number;
  phantom: number;
  undersold: number;
  /** Orders of requests whose answer never arrived: reported, not a breach. */
  unconfirmed: number;
  /** Checks the store could not support in this mode. */
  notChecked: string[];
  products: ProductAudit[];
  examples: Record<string, string[]>;
}

export function audit(input: AuditInput): AuditResult {
  const examples: Record<string, string[]> = {};
  const note = (check: string, what: string) => {
    const list = (examples[check] ??= []);
    if (list.length < EXAMPLES) list.push(what);
  };
  const soldBy = new Map<string, number>();
  const successBy = new Map<string, number>();
  const ordersById = new Map<string, AuditOrder>();
  for (const order of input.orders) {
    ordersById.set(order.orderId, order);
    if (order.status !== OrderStatus.SUCCESS) continue;
    soldBy.set(order.prodId, (soldBy.get(order.prodId) ?? 0) + 1);
    const buyer = `${order.prodId}|${order.phone}`;
    successBy.set(buyer, (successBy.get(buyer) ?? 0) + 1);
  }
  const queuedIds = new Set(input.queued.map((q) => q.orderId));
  const queuedUsers = new Map<string, Set<string>>();
  for (const q of input.queued) {
    let users = queuedUsers.get(q.prodId);
    if (!users) queuedUsers.set(q.prodId, (users = new Set()));
    users.add(q.phone);
  }

  let oversold = 0;
  let stockMismatch = 0;
  let undersold = 0;
  const products: ProductAudit[] = input.products.map((p) => {
    const sold = soldBy.get(p.id) ?? 0;
    const users = queuedUsers.get(p.id)?.size ?? 0;
    if (sold > p.initialStock) {
      oversold += sold - p.initialStock;
      note('oversold', `${p.id}: sold ${sold} of ${p.initialStock}`);
    }
    if (p.stock !== null && p.stock + sold !== p.initialStock) {
      stockMismatch += Math.abs(p.stock + sold - p.initialStock);
      note('stockMismatch', `${p.id}: stock ${p.stock} + sold ${sold} != ${p.initialStock}`);
    }
    const expected = Math.min(p.initialStock, users);
    if (input.expectFullSale && sold < expected) {
      undersold += expected - sold;
      note('undersold', `${p.id}: sold ${sold}, expected min(${p.initialStock}, ${users} queued users)`);
    }
    return { id: p.id, initialStock: p.initialStock, stock: p.stock, sold, queuedUsers: users };
  });

  let duplicates = 0;
  for (const [buyer, count] of successBy) {
    if (count > 1) {
      duplicates += count - 1;
      note('duplicates', `${buyer}: ${count} successful orders`);
    }
  }

  let lost = 0;
  for (const q of input.queued) {
    const order = ordersById.get(q.orderId);
    const final = order !== undefined && order.status !== OrderStatus.QUEUED;
    if (!final && !input.deadLetterIds.has(q.orderId)) {
      lost += 1;
      note('lost', `${q.orderId} (${q.phone}, ${q.prodId}): ${order ? 'still QUEUED' : 'no order'}`);
    }
  }

  let phantom = 0;
  let unconfirmed = 0;
  const unanswered = new Set(input.unanswered.map((u) => `${u.prodId}|${u.phone}`));
  if (input.ordersComplete) {
    for (const order of input.orders) {
      if (queuedIds.has(order.orderId) || (input.ownUsers && !input.ownUsers.has(order.phone))) continue;
      if (unanswered.has(`${order.prodId}|${order.phone}`)) unconfirmed += 1;
      else {
        phantom += 1;
        note('phantom', `${order.orderId} (${order.phone}, ${order.prodId}, ${order.status})`);
      }
    }
  }

  const notChecked: string[] = [];
  if (!input.ordersComplete) notChecked.push('phantom (needs the order DB: --db)');
  if (input.products.some((p) => p.stock === null)) notChecked.push('db_stock + sold = initial (needs the order DB: --db)');
  if (input.mode === 'http')
    notChecked.push('duplicates beyond the one order query.do shows per user (needs the order DB: --db)');
  if (!input.expectFullSale)
    notChecked.push("undersold (needs a fully drained shop of the run's own, every faulted process back)");

  return {
    mode: input.mode,
    passed: oversold + stockMismatch + duplicates + lost + phantom + undersold === 0,
    oversold,
    stockMismatch,
    duplicates,
    lost,
    phantom,
    undersold,
    unconfirmed,
    notChecked,
    products,
    examples,
  };
}
