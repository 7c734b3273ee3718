// The protocol core's public surface: roles as pure state machines and their helpers.
// Hosts (socket agents, the simulator) perform the Effects the roles return.
export {
  Acceptor,
  type AcceptorGroupState,
  type AcceptorOptions,
  type AcceptorRole,
  type Slot,
} from "./acceptor.js";
export {
  type Command,
  commandKey,
  commandOf,
  isNoopCommand,
  NOOP_COMMAND,
  requestKey,
  sameCommand,
} from "./command.js";
export { Coordinator, type CoordinatorGroupState, type CoordinatorOptions } from "./coordinator.js";
export { Counters, DROP_REASONS, type DropReason } from "./counters.js";
export { AtMostOnce, type DedupVerdict } from "./dedup.js";
export {
  type Decision,
  type Delivery,
  type Effects,
  type GapReport,
  mergeEffects,
  noEffects,
  type Outbound,
  type Target,
} from "./effects.js";
export { Learner, type LearnerOptions } from "./learner.js";
export { LogMerger, type MergedEntry } from "./merge.js";
export { type Completion, Proposer, ProposerError, type ProposerOptions } from "./proposer.js";
export { RecoveryCoordinator, type RecoveryOptions, type RecoveryStatus } from "./recovery.js";
export { epochFloor, makeRound, RoundError, roundCoordinator, roundEpoch } from "./round.js";
export { incomingDefect } from "./validate.js";
