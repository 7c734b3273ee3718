// The host side's public surface: daemons, the proposer library, the KV store and its checker.
export { AcceptorDaemon, type AcceptorDaemonOptions, AmnesiaError } from "./acceptor/daemon.js";
export { type AgentPlan, type AgentTiming, type RunningAgent, startAgent } from "./agent.js";
export { ControlServer } from "./coordinator/control.js";
export {
  type RecoveryInfo,
  type RecoveryRequest,
  ServerCoordinatorDaemon,
  type ServerCoordinatorOptions,
} from "./coordinator/daemon.js";
export { KvClient, type KvClientResult } from "./kv/client.js";
export { decodeKv, encodeKv, type KvCommand, KvEncodeError } from "./kv/command.js";
export { KvHttpServer } from "./kv/http.js";
export {
  type CheckResult,
  checkLinearizable,
  formatHistory,
  type HistoryOp,
  type KvOp,
  type KvOutput,
} from "./kv/linearizability.js";
export { KvRefused, KvReplica, type KvReplicaOptions, KvUnavailable } from "./kv/replica.js";
export { type KvResult, KvStateMachine } from "./kv/state.js";
export {
  type DecisionListener,
  type DeliveryListener,
  type LearnerApp,
  LearnerDaemon,
  type LearnerDaemonOptions,
} from "./learner/daemon.js";
export { LearnerStore } from "./learner/store.js";
export { type Address, formatAddress, parseAddress, parseBindAddress } from "./net/address.js";
export { decodeHost, encodeHost, type HostMessage, HostType } from "./net/hostproto.js";
export { PeerTable, type PeerTableInit } from "./net/peers.js";
export { UdpEndpoint } from "./net/udp.js";
export { PlanError, parsePlan } from "./plan-file.js";
export {
  type ProposalResult,
  ProposeRefused,
  ProposerClient,
  type ProposerClientOptions,
  ProposeTimeout,
  ValueTooLarge,
} from "./proposer/client.js";
