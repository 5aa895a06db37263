/**
 * Result codes of the public API. The first six are the seckill-rocketmq demo's, so its clients keep
 * working; the rest cover what the demo lacked. Each code has exactly one HTTP status.
 */
export const ResultCode = {
  OK: 10000,
  ENQUEUE_FAILED: 40004,
  INVALID_PARAMS: 40005,
  SOLD_OUT: 40006,
  NO_SUCH_PRODUCT: 40007,
  REPEAT_ORDER: 40008,
  SALE_NOT_OPEN: 40009,
  BODY_TOO_LARGE: 40013,
  UNSUPPORTED_MEDIA_TYPE: 40015,
  RATE_LIMITED: 40029,
  NO_SUCH_ORDER: 41004,
  /** 420xx: the HTTP request itself (not its fields) was refused; the last two digits follow the status. */
  MALFORMED_REQUEST: 42000,
  /** The order service's /internal API: INTERNAL_TOKEN missing or wrong. */
  UNAUTHORIZED: 42001,
  NO_SUCH_ENDPOINT: 42004,
  METHOD_NOT_ALLOWED: 42005,
  REQUEST_TIMEOUT: 42008,
  EXPECTATION_FAILED: 42017,
  HEADERS_TOO_LARGE: 42031,
  /** A bug of ours, never bad input: the fuzz suite fails on it. */
  INTERNAL_ERROR: 50000,
  ORDER_SERVICE_UNAVAILABLE: 50003,
} as const;

export type ResultCode = (typeof ResultCode)[keyof typeof ResultCode];

export const httpStatusOf: Record<ResultCode, number> = {
  [ResultCode.OK]: 200,
  [ResultCode.ENQUEUE_FAILED]: 503,
  [ResultCode.INVALID_PARAMS]: 400,
  [ResultCode.SOLD_OUT]: 409,
  [ResultCode.NO_SUCH_PRODUCT]: 404,
  [ResultCode.REPEAT_ORDER]: 409,
  [ResultCode.SALE_NOT_OPEN]: 409,
  [ResultCode.BODY_TOO_LARGE]: 413,
  [ResultCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ResultCode.RATE_LIMITED]: 429,
  [ResultCode.NO_SUCH_ORDER]: 404,
  [ResultCode.MALFORMED_REQUEST]: 400,
  [ResultCode.UNAUTHORIZED]: 401,
  [ResultCode.NO_SUCH_ENDPOINT]: 404,
  [ResultCode.METHOD_NOT_ALLOWED]: 405,
  [ResultCode.REQUEST_TIMEOUT]: 408,
  [ResultCode.EXPECTATION_FAILED]: 417,
  [ResultCode.HEADERS_TOO_LARGE]: 431,
  [ResultCode.INTERNAL_ERROR]: 500,
  [ResultCode.ORDER_SERVICE_UNAVAILABLE]: 503,
};

/** The response envelope every public endpoint answers with. */
export interface Envelope<T = unknown> {
  code: ResultCode;
  msg: string;
  data: T | null;
}

/**
 * Order status words. QUEUED is the only pending one: the message is in the queue, not yet consumed.
 * The others are final.
 */
export const OrderStatus = {
  QUEUED: 'QUEUED',
  SUCCESS: 'SUCCESS',
  SOLD_OUT: 'SOLD_OUT',
  DUPLICATE: 'DUPLICATE',
  /** The message kept failing and went to the dead-letter table: the user is told, never left waiting. */
  REJECTED: 'REJECTED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];
/** Statuses an order row in the database can have (QUEUED never reaches the database). */
export type FinalOrderStatus = Exclude<OrderStatus, 'QUEUED'>;
export const FINAL_ORDER_STATUSES: ReadonlySet<string> = new Set<FinalOrderStatus>([
  OrderStatus.SUCCESS,
  OrderStatus.SOLD_OUT,
  OrderStatus.DUPLICATE,
  OrderStatus.REJECTED,
]);
