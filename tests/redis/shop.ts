/**
 * A shop whose gateways share admission in Redis: one order service and N gateway processes
 * (infra/launch, embedded queue) with ADMISSION_STORE=redis and a key prefix of their own, and a
 * burst of buyers spread over the gateways, each trying again on another gateway once answered.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { launchServices, ONE_CLIENT_ADDRESS, type LaunchedServices } from '../../infra/launch/services.ts';
import { ResultCode } from '../../services/protocol/codes.ts';
import type { SeedProduct } from '../support/services.ts';
import { charge, phone } from '../support/services.ts';

export interface RedisShop {
  launched: LaunchedServices;
  gatewayUrls: string[];
  prefix: string;
  openOrderDb(): Database.Database;
}

export async function startRedisShop(redisUrl: string, products: SeedProduct[], gateways = 2): Promise<RedisShop> {
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const launched = await launchServices({
    transport: 'embedded',
    products,
    gateways,
    label: 'redis',
    env: {
      LOG_LEVEL: 'warn',
      ...ONE_CLIENT_ADDRESS,
      // Each buyer charges twice and queries: the per-user limits are not under test here.
      RATE_LIMIT_PER_USER: '0',
      QUERY_RATE_LIMIT_PER_USER: '0',
      ADMISSION_STORE: 'redis',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
    },
  });
  return {
    launched,
    gatewayUrls: launched.gateways.map((g) => g.url),
    prefix,
    openOrderDb: () => new Database(launched.dbPath, { readonly: true, fileMustExist: true }),
  };
}

export interface Accepted {
  orderId: string;
  prodId: string;
  phone: string;
  /** Index of the gateway that accepted it. */
  gateway: number;
}

export interface BurstResult {
  accepted: Accepted[];
  /** Answers of the first charges, by envelope code. */
  firstCodes: Map<number, number>;
  /** Buyers accepted once whose second charge, on another gateway, was accepted too. */
  repeatsAccepted: Accepted[];
  /** Codes the accepted buyers' second charges got (all 40008 when admission is shared and intact). */
  repeatCodes: Map<number, number>;
}

const tally = (map: Map<number, number>, code: number) => map.set(code, (map.get(code) ?? 0) + 1);

/** Buyers charging at once in a burst (by default). */
export const IN_FLIGHT = 32;

/**
 * Buyer i charges product i mod P on gateway (i div P) mod G, so that every product's buyers are
 * spread over every gateway; once accepted, the same buyer charges again on the next gateway. `inFlight` buyers at a time; `onProgress` after each buyer, with the answers so far.
 */
export async function burst(
  gatewayUrls: string[],
  products: SeedProduct[],
  buyers: number,
  options: {
    inFlight?: number;
    firstBuyer?: number;
    onProgress?: (done: number, sofar: BurstResult) => Promise<void> | void;
  } = {},
): Promise<BurstResult> {
  const result: BurstResult = { accepted: [], firstCodes: new Map(), repeatsAccepted: [], repeatCodes: new Map() };
  let next = 0;
  let done = 0;
  const first = options.firstBuyer ?? 0;
  await Promise.all(
    Array.from({ length: options.inFlight ?? IN_FLIGHT }, async () => {
      while (next < buyers) {
        const i = next++;
        const product = products[i % products.length];
        if (!product) throw new Error('no products');
        const g = Math.floor(i / products.length) % gatewayUrls.length;
        const fields = { userPhoneNum: phone(first + i), prodId: product.id, chargePrice: product.price };
        const answer = await charge(gatewayUrls[g] ?? '', fields);
        tally(result.firstCodes, answer.code);
        if (answer.code === ResultCode.OK) {
          const orderId = String(answer.data?.orderId);
          result.accepted.push({ orderId, prodId: product.id, phone: fields.userPhoneNum, gateway: g });
          const other = (g + 1) % gatewayUrls.length;
          const again = await charge(gatewayUrls[other] ?? '', fields);
          tally(result.repeatCodes, again.code);
          if (again.code === ResultCode.OK) {
            result.repeatsAccepted.push({
              orderId: String(again.data?.orderId),
              prodId: product.id,
              phone: fields.userPhoneNum,
              gateway: other,
            });
          }
        }
        done += 1;
        await options.onProgress?.(done, result);
      }
    }),
  );
  return result;
}

export const codes = (map: Map<number, number>) => JSON.stringify(Object.fromEntries(map));
