/**
 * Fairness of a sale (docs/design.md §1, a figure, not an invariant): did the units go to the buyers
 * who came first? Pure, over plain data: when each buyer's first request was due (the driver's answers)
 * and who got a unit or was turned away (the answers and the order store).
 */

/** One buyer of one product: when their first request was due (paced) or sent, epoch ms. */
export interface Arrival {
  prodId: string;
  phone: string;
  firstAt: number;
}

export interface FairnessInput {
  /** Every buyer who sent a request, once per product (the earliest). */
  arrivals: Arrival[];
  /** Buyers with a successful order. */
  winners: { prodId: string; phone: string }[];
  /** Buyers told "sold out" (by the gateway, or an order the order service found no stock for). */
  soldOut: { prodId: string; phone: string }[];
}

/** Rank 1 = the first buyer of the product to arrive. */
interface RankFigures {
  p50: number;
  p90: number;
  max: number;
}

export interface ProductFairness {
  id: string;
  /** Distinct buyers who sent a request for it. */
  buyers: number;
  winners: number;
  /** Buyers refused as sold out who never got a unit. */
  refused: number;
  /**
   * Winners whose first request came before the first refused buyer's first request, over all winners:
   * 1 = strict first come, first served. Null when nobody won or nobody was refused (nothing to judge).
   */
  firstComeShare: number | null;
  /** The winners' arrival ranks among all the product's buyers; under strict FCFS max = winners. Null: no winner. */
  winnerRank: RankFigures | null;
}

const key = (prodId: string, phone: string) => `${prodId}|${phone}`;

/** The nearest-rank percentile of sorted ranks. */
const rankAt = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

export function fairness(input: FairnessInput): ProductFairness[] {
  const winners = new Set(input.winners.map((w) => key(w.prodId, w.phone)));
  // A buyer told "sold out" who won on a retry is a winner: winners are checked first below.
  const refused = new Set(input.soldOut.map((s) => key(s.prodId, s.phone)));
  const byProduct = new Map<string, Arrival[]>();
  for (const a of input.arrivals) {
    let list = byProduct.get(a.prodId);
    if (!list) byProduct.set(a.prodId, (list = []));
    list.push(a);
  }
  return [...byProduct.entries()].map(([id, arrivals]) => {
    // Stable sort: buyers due at the same ms keep the driver's order.
    const ordered = [...arrivals].sort((a, b) => a.firstAt - b.firstAt);
    const ranks: number[] = [];
    let firstRefusedAt: number | null = null;
    let refusedCount = 0;
    for (const [i, a] of ordered.entries()) {
      const k = key(id, a.phone);
      if (winners.has(k)) ranks.push(i + 1);
      else if (refused.has(k)) {
        refusedCount += 1;
        firstRefusedAt ??= a.firstAt;
      }
    }
    const cutoff = firstRefusedAt;
    const before = cutoff === null ? 0 : ordered.filter((a) => winners.has(key(id, a.phone)) && a.firstAt < cutoff).length;
    return {
      id,
      buyers: ordered.length,
      winners: ranks.length,
      refused: refusedCount,
      firstComeShare: ranks.length === 0 || cutoff === null ? null : Number((before / ranks.length).toFixed(4)),
      winnerRank:
        ranks.length === 0 ? null : { p50: rankAt(ranks, 50), p90: rankAt(ranks, 90), max: ranks[ranks.length - 1] ?? 0 },
    };
  });
}

/** The lowest share over the products that have one: the run's fairness figure (null: none could be judged). */
export function lowestShare(products: readonly { firstComeShare: number | null }[]): number | null {
  const shares = products.map((p) => p.firstComeShare).filter((s): s is number => s !== null);
  return shares.length === 0 ? null : Math.min(...shares);
}
