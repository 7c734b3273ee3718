// Desired switch state: pure computation from a deployment and the controller's state, and its diff.
export { actionKey, canonicalValue, entryKey, sortEntries } from "./canonical.js";
export {
  computeDesiredState,
  coordinatorSwitchOf,
  DesiredStateError,
  hostPortBits,
  initialControllerState,
  makeRound,
  SWITCH_PORT_BITS,
  serverCoordinatorsOf,
} from "./compute.js";
export {
  applyDiff,
  type Changes,
  diffDesired,
  isEmptyDiff,
  type SwitchContents,
  type SwitchDiff,
} from "./diff.js";
export { formatEntry, formatSwitchDesired } from "./format.js";
export * from "./names.js";
export type * from "./types.js";
