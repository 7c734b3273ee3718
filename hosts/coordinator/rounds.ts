// The highest round a server coordinator has seen or used, per group, persisted so that a
// restart never reuses a round (two values in one round at one instance would break agreement).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeRound, roundEpoch } from "../../src/paxos/round.js";

export class RoundBook {
  private readonly highest = new Map<number, number>();
  private readonly file: string | null;

  constructor(
    private readonly coordinatorId: number,
    dataDir?: string,
  ) {
    this.file = dataDir ? join(dataDir, "coordinator-rounds.json") : null;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    if (this.file && existsSync(this.file)) {
      let data: { groups?: unknown };
      try {
        data = JSON.parse(readFileSync(this.file, "utf8")) as { groups?: unknown };
      } catch {
        // An unreadable file must not lower the bound: refuse to guess.
        throw new Error(
          `cannot read ${this.file}; delete it only if no round of this coordinator was ever used`,
        );
      }
      const groups = data.groups;
      if (typeof groups !== "object" || groups === null) throw new Error(`${this.file}: no 'groups' object`);
      for (const [g, r] of Object.entries(groups)) {
        if (!Number.isInteger(Number(g)) || typeof r !== "number" || !Number.isInteger(r)) {
          throw new Error(`${this.file}: bad entry for group ${g}`);
        }
        this.highest.set(Number(g), r);
      }
    }
  }

  /** Highest round seen or used in `group` (0 if none). */
  highestRound(group: number): number {
    return this.highest.get(group) ?? 0;
  }

  /** Records a round seen in a message or handed out by the controller. */
  observe(group: number, round: number): void {
    if (round > this.highestRound(group)) {
      this.highest.set(group, round);
      // Rounds handed to us are used right away: persist before use.
      this.save();
    }
  }

  /** A fresh round of this coordinator for `group`, above everything seen in it. */
  fresh(group: number): number {
    const round = makeRound(roundEpoch(this.highestRound(group)) + 1, this.coordinatorId);
    this.highest.set(group, round);
    this.save();
    return round;
  }

  toJSON(): Record<number, number> {
    return Object.fromEntries(this.highest);
  }

  private save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ groups: this.toJSON() })}\n`);
    renameSync(tmp, this.file);
  }
}
