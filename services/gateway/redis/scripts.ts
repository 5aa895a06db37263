/**
 * The Lua scripts of shared admission, one per step, each atomic on the Redis that owns the product.
 * Every key of one call is one product's (`<prefix>:{<prodId>}:...`): the braces are a Redis Cluster
 * hash tag, so all of a product's keys live in one slot and the scripts run unchanged on a cluster.
 *
 * Per product:
 *   stock    units that may still be admitted: the order store's stock minus the units held for
 *            queued orders not yet decided (any gateway's). Missing = not loaded (or Redis lost it).
 *   buyers   hash phone → "orderId|chargeCents|enqueuedAt": who was admitted (the repeat check of every
 *            gateway, and query.do's QUEUED answer for an order another gateway accepted).
 *   pending  set of order ids holding a unit: a unit is released once per order id, whichever gateway
 *            reads its decision first.
 */

/** The keys of one product. `prefix` has no braces (config), so the only hash tag is the product's. */
export interface ProductKeys {
  stock: string;
  buyers: string;
  pending: string;
}

export function productKeys(prefix: string, prodId: string): ProductKeys {
  const tag = `${prefix}:{${prodId}}`;
  return { stock: `${tag}:stock`, buyers: `${tag}:buyers`, pending: `${tag}:pending` };
}

/** What TAKE answers, first element of its reply. */
export const TakeReply = { TAKEN: 1, SOLD_OUT: 0, REPEAT: -1, NOT_LOADED: -2 } as const;

/**
 * KEYS stock, buyers, pending; ARGV phone, orderId, record. Reply {outcome, units left, buyers}.
 * Refuses a buyer already admitted, then an empty stock; else takes a unit and records the order.
 * `buyers` (HLEN, O(1)) lets a gateway tell whether its copy of a sold-out product's buyers is whole.
 * The buyers/pending keys take the stock key's expiry when they are created (LOAD set it).
 */
export const TAKE = `
local stock = redis.call('GET', KEYS[1])
if not stock then return {-2, 0, 0} end
stock = tonumber(stock)
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return {-1, stock, redis.call('HLEN', KEYS[2])} end
if stock <= 0 then return {0, 0, redis.call('HLEN', KEYS[2])} end
redis.call('DECR', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 and redis.call('PTTL', KEYS[2]) == -1 then
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return {1, stock - 1, redis.call('HLEN', KEYS[2])}
`;

/**
 * KEYS stock, buyers, pending; ARGV phone, orderId. Reply 1 when given back, 0 when nothing was held.
 * The enqueue of an admitted order failed: its unit and its buyer's slot come back. Idempotent (the
 * pending set says whether the unit is still held); a stock key Redis lost is not re-created here
 * (that would stop the reload from the order store).
 */
export const GIVE_BACK = `
if redis.call('SREM', KEYS[3], ARGV[2]) == 0 then return 0 end
local record = redis.call('HGET', KEYS[2], ARGV[1])
if record and string.find(record, ARGV[2] .. '|', 1, true) == 1 then redis.call('HDEL', KEYS[2], ARGV[1]) end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1]) end
return 1
`;

/**
 * KEYS stock, pending; ARGV pairs (orderId, 1 = give the unit back | 0 = it was sold). Reply: units
 * given back. Orders the order service decided (the order feed, read by every gateway): each order's
 * unit is released once across all gateways (the first to remove it from the pending set); a SUCCESS
 * has left the store's stock for good, any other outcome returns its unit to admission. The buyer's
 * record stays: a buyer with an order in any state is a repeat.
 */
export const RELEASE = `
local given = 0
for i = 1, #ARGV, 2 do
  if redis.call('SREM', KEYS[2], ARGV[i]) == 1 and ARGV[i + 1] == '1' then given = given + 1 end
end
if given > 0 and redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCRBY', KEYS[1], given) end
return given
`;

/**
 * KEYS stock, buyers, pending; ARGV storeStock, ttlMs, then triples (orderId, phone, record) of the
 * orders this gateway holds undecided. Reply {1 = loaded here | 0 = already loaded, units}.
 * Loads the admission stock from the order store once per sale: only when the key is missing (the
 * first gateway to start, or Redis lost its data), never over a loaded one. This gateway's undecided
 * orders are held again (their units subtracted, their buyers recorded), so that their release and a
 * query.do on any gateway still find them after a loss; other gateways' cannot be known here, which is
 * the bounded over-admission a loss costs (the order service refuses those as SOLD_OUT).
 */
export const LOAD = `
local current = redis.call('GET', KEYS[1])
if current then return {0, tonumber(current)} end
local held = 0
for i = 3, #ARGV, 3 do
  if redis.call('SADD', KEYS[3], ARGV[i]) == 1 then held = held + 1 end
  redis.call('HSETNX', KEYS[2], ARGV[i + 1], ARGV[i + 2])
end
local stock = math.max(0, tonumber(ARGV[1]) - held)
redis.call('SET', KEYS[1], stock, 'PX', ARGV[2])
if held > 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return {1, stock}
`;

/** A buyer's record in the buyers hash: what query.do needs to answer QUEUED. */
export interface BuyerRecord {
  orderId: string;
  chargeCents: number;
  enqueuedAt: number;
}

export const encodeRecord = (r: BuyerRecord): string => `${r.orderId}|${r.chargeCents}|${r.enqueuedAt}`;

export function decodeRecord(text: string): BuyerRecord | undefined {
  const [orderId, cents, at] = text.split('|');
  const chargeCents = Number(cents);
  const enqueuedAt = Number(at);
  if (!orderId || !Number.isInteger(chargeCents) || !Number.isInteger(enqueuedAt)) return undefined;
  return { orderId, chargeCents, enqueuedAt };
}
