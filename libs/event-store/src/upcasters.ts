/** Upgrades one event shape by one schema version. Pure. */
export type Upcaster = (
  data: Record<string, unknown>,
  context: { streamId: string; type: string },
) => Record<string, unknown>;

/**
 * Registered chains of upcasters: (type, fromVersion) → fromVersion + 1.
 * Applied on every read, so the rest of the code only sees current shapes.
 */
export class UpcasterRegistry {
  private readonly chains = new Map<string, Upcaster>();

  register(type: string, fromVersion: number, upcaster: Upcaster): this {
    const key = `${type}@${fromVersion}`;
    if (this.chains.has(key)) throw new Error(`an upcaster for ${key} is already registered`);
    this.chains.set(key, upcaster);
    return this;
  }

  upcast(
    type: string,
    schemaVersion: number,
    data: Record<string, unknown>,
    streamId: string,
  ): { schemaVersion: number; data: Record<string, unknown> } {
    let version = schemaVersion;
    let current = data;
    for (
      let next = this.chains.get(`${type}@${version}`);
      next;
      next = this.chains.get(`${type}@${version}`)
    ) {
      current = next(current, { streamId, type });
      version += 1;
    }
    return { schemaVersion: version, data: current };
  }
}
