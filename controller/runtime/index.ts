// The controller runtime: P4Runtime sessions with the switches, reconciliation, consensus
// start-up, failure detection, failover and fail-back, fencing and trimming.
export { Controller, type ControllerOptions, type GroupRuntime, type ReconcileReport } from "./controller.js";
export { formatStatus, type SwitchStatus, switchStatus } from "./inspect.js";
export { controlPacket, paxosFromPacketIn } from "./packets.js";
export { cookieHex, loadPipeline, type Pipeline, PipelineError, pipelineCookie } from "./pipeline.js";
export { ControllerRecovery, RecoveryPreempted, RecoveryTimeout } from "./recovery.js";
export { ServerControl, ServerControlError } from "./server-control.js";
export { freshState, loadState, type PersistentState, StateFileError, saveState } from "./state-file.js";
export { SwitchLink, type UpdateFailure, type WriteOutcome } from "./switch-link.js";
