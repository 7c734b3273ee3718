// Public surface of src/p4runtime. Generated messages are exported as
// namespaces because p4.v1 and p4.config.v1 share names (Action, ...).

export * from "./arbitration.js";
export * from "./bytes.js";
export * from "./client.js";
export * from "./entities.js";
export { Code } from "./gen/google/rpc/code_pb.js";
export * as rpc from "./gen/google/rpc/status_pb.js";
export * as p4config from "./gen/p4/config/v1/p4info_pb.js";
export * as p4types from "./gen/p4/config/v1/p4types_pb.js";
export * as p4data from "./gen/p4/v1/p4data_pb.js";
export * as p4v1 from "./gen/p4/v1/p4runtime_pb.js";
export * from "./grpc.js";
export * from "./p4info-index.js";
export * from "./p4info-text.js";
export * from "./status.js";
export * from "./textproto-prune.js";
