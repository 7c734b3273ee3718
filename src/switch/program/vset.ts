// Parser value sets (`parse_vsets`): control-plane managed sets of (value, mask) pairs a parser
// transition can match against. Values are "compressed": the transition key fields concatenated
// without byte padding, `compressed_bitwidth` bits in all.

import { ControlError } from "../errors.js";

export interface ValueSetEntry {
  value: bigint;
  mask: bigint;
}

export class ValueSet {
  private entries: ValueSetEntry[] = [];
  constructor(
    readonly name: string,
    readonly width: number,
    readonly maxSize = 1024,
  ) {}

  private full(): bigint {
    return (1n << BigInt(this.width)) - 1n;
  }

  private check(v: bigint, what: string): void {
    if (v < 0n || v > this.full())
      throw new ControlError(`value set ${this.name}: ${what} ${v} does not fit ${this.width} bits`);
  }

  /** Adds a member (mask defaults to all ones); adding an existing member is a no-op. */
  add(value: bigint, mask?: bigint): void {
    const m = mask ?? this.full();
    this.check(value, "value");
    this.check(m, "mask");
    if (this.entries.some((e) => e.value === (value & m) && e.mask === m)) return;
    if (this.entries.length >= this.maxSize) throw new ControlError(`value set ${this.name} is full`);
    this.entries.push({ value: value & m, mask: m });
  }

  remove(value: bigint, mask?: bigint): void {
    const m = mask ?? this.full();
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !(e.value === (value & m) && e.mask === m));
    if (this.entries.length === before)
      throw new ControlError(`value set ${this.name} has no member ${value}&${m}`);
  }

  clear(): void {
    this.entries = [];
  }

  list(): ValueSetEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** Does the compressed key match a member, under the transition's own mask? */
  match(key: bigint, transitionMask: bigint): boolean {
    for (const e of this.entries) {
      const m = e.mask & transitionMask;
      if ((key & m) === (e.value & m)) return true;
    }
    return false;
  }
}
