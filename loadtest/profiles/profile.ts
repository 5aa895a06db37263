/**
 * Target profiles (`--profile NAME|FILE` with `--target`): how a flash-sale service's HTTP API is
 * spoken and read, as data, so that any such service can be driven and audited: endpoints and methods,
 * the form's field names, where in an answer the code, the order id and the order status are, and
 * which values mean queued, sold out, repeat, refused, no such order, and each final status. The
 * harness's one reader of answers (driver/answers.ts) reads every answer through a profile; shipped
 * ones are the YAML files beside this module (seckill-bench: ours, the default).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { OrderStatus } from '../../services/protocol/codes.ts';
import { readYamlFile, resolveYaml, shippedIn } from '../dataFile.ts';

/** A code or status value exactly as the JSON carries it: 10000 and "10000" are different values. */
const value = z.union([z.string(), z.number()], { error: 'expected a string or a number, exactly as the JSON carries it' });
const values = z.array(value);
/** A dotted path into an answer's JSON, e.g. `data.orderStatus`. */
const jsonPath = z.string().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'a dotted field path such as data.orderId');
const endpoint = z.strictObject({
  method: z.enum(['GET', 'POST']),
  path: z.string().regex(/^\/\S*$/, 'a path starting with /'),
});

export const profileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  endpoints: z.strictObject({
    /** The flash-sale entry: the form is sent as the query string (GET) or an urlencoded body (POST). */
    charge: endpoint,
    /** A buyer's order for one product: GET, with the phone and product fields as query parameters. */
    query: endpoint.extend({ method: z.literal('GET') }),
    /** The product page (scenarios' page views): GET, with the product field; absent: the service has none. */
    product: endpoint.extend({ method: z.literal('GET') }).optional(),
  }),
  /** The form's field names. */
  fields: z.strictObject({ phone: z.string().min(1), product: z.string().min(1), price: z.string().min(1) }),
  /** Where an answer's result code is (every endpoint's answer has it at the same place). */
  code: jsonPath,
  /** What a charge answer's code means; a code in none of the lists is "unclassified" (a finding). */
  charge: z.strictObject({
    /** Queued: the buyer holds a place and must poll for the result. */
    accepted: values.min(1),
    soldOut: values,
    repeat: values,
    /** Every other code the service documents: refused (bad input, no such product, rate limited…). */
    rejected: values,
    /** Where a queued answer's order id is; absent: the service gives none (the order is then known by buyer and product). */
    orderId: jsonPath.optional(),
  }),
  query: z.strictObject({
    /** Codes that mean "no order for this buyer and product" (yet). */
    noSuchOrder: values,
    /** Where the order's id and status are in an answer that has an order. */
    orderId: jsonPath.optional(),
    status: jsonPath,
    /** The service's status values for each of ours; a status in none of them is read as unknown (final, not a sale). */
    statuses: z.strictObject({
      [OrderStatus.QUEUED]: values.default([]),
      [OrderStatus.SUCCESS]: values.min(1),
      [OrderStatus.SOLD_OUT]: values.default([]),
      [OrderStatus.DUPLICATE]: values.default([]),
      [OrderStatus.REJECTED]: values.default([]),
    }),
  }),
});
export type TargetProfile = z.infer<typeof profileSchema>;

export const DEFAULT_PROFILE_NAME = 'seckill-bench';
const SHIPPED = path.dirname(fileURLToPath(import.meta.url));

/** The shipped profiles' names (the YAML files here). */
export const shippedProfiles = (): string[] => shippedIn(SHIPPED);

export function loadProfile(nameOrFile: string = DEFAULT_PROFILE_NAME): TargetProfile {
  return readYamlFile(resolveYaml(nameOrFile, SHIPPED, '--profile'), profileSchema, '--profile');
}
