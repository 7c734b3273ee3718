// Per-role message and drop counters (docs/protocol.md §11).
import { msgTypeName } from "../wire/codec.js";

export const DROP_REASONS = [
  "malformed",
  "bad_version",
  "port_filter",
  "no_role",
  "coord_full",
  "amnesia",
  "round_low",
  "stale",
  "ring_full",
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export class Counters {
  readonly received: Record<string, number> = {};
  readonly sent: Record<string, number> = {};
  readonly drops: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<
    DropReason,
    number
  >;

  recv(msgtype: number): void {
    const name = msgTypeName(msgtype);
    this.received[name] = (this.received[name] ?? 0) + 1;
  }

  send(msgtype: number, copies = 1): void {
    const name = msgTypeName(msgtype);
    this.sent[name] = (this.sent[name] ?? 0) + copies;
  }

  drop(reason: DropReason): void {
    this.drops[reason]++;
  }

  /** Sum over drop reasons. */
  totalDrops(): number {
    return DROP_REASONS.reduce((sum, r) => sum + this.drops[r], 0);
  }
}
