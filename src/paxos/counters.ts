// Per-role message and drop counters (docs/protocol.md §11).
import { msgTypeName } from "../wire/codec.js";
import type { PaxosMessage } from "../wire/message.js";
import { incomingDefect } from "./validate.js";

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
  "no_quorum",
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

  /**
   * The first step of every role's `handle`: counts a malformed message as a drop, a well-formed
   * one as received, and then one whose type is not in `types` (when given) as `port_filter`.
   * Returns whether the role should process the message.
   */
  admit(msg: PaxosMessage, types?: readonly number[]): boolean {
    const defect = incomingDefect(msg);
    if (defect) {
      this.drop(defect);
      return false;
    }
    this.recv(msg.msgtype);
    if (types !== undefined && !types.includes(msg.msgtype)) {
      this.drop("port_filter");
      return false;
    }
    return true;
  }

  /** Sum over drop reasons. */
  totalDrops(): number {
    return DROP_REASONS.reduce((sum, r) => sum + this.drops[r], 0);
  }
}
