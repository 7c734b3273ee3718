// Checks a decoded-or-constructed message before a role looks at it, mapping defects to the
// drop counters of docs/protocol.md §2 and §11.

import { isKnownMsgType } from "../wire/codec.js";
import { PAXOS_VERSION, VALUE_SIZE } from "../wire/header.js";
import type { PaxosMessage } from "../wire/message.js";
import type { DropReason } from "./counters.js";

/** null if `msg` is well formed, else the drop reason to count. */
export function incomingDefect(msg: PaxosMessage): DropReason | null {
  if (msg.version !== PAXOS_VERSION) return "bad_version";
  if (!isKnownMsgType(msg.msgtype)) return "malformed";
  if (!(msg.value instanceof Uint8Array) || msg.vlen > VALUE_SIZE || msg.value.length !== msg.vlen) {
    return "malformed";
  }
  return null;
}
