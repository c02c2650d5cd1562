/**
 * "This customer exists, and this is their profile" for a few seconds, so a burst of
 * purchases or history reads for one customer asks user-service once. Only found customers
 * are kept: a customer created a moment ago is never answered 404 from here. The price is
 * that a profile change or a deletion in user-service shows here up to `ttlMs` late
 * (README, "Freshness"). Oldest entries go first when full (a Map keeps insertion order).
 */
export class CustomerCache<Customer> {
  private readonly entries = new Map<number, { customer: Customer; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(id: number): Customer | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.customer;
    this.entries.delete(id);
    return undefined;
  }

  set(id: number, customer: Customer): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { customer, expiresAt: Date.now() + this.ttlMs });
  }
}
