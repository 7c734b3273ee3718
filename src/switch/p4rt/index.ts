// The embedded switch's P4Runtime server: devices (pipeline state + entity translation), the
// gRPC server, and the glue to data-plane ports.
export { Device, type DeviceHooks, type DeviceOptions, type DeviceStats } from "./device.js";
export { DigestDispatcher, type DigestStats } from "./digests.js";
export { P4rtError } from "./errors.js";
export { createLogger, isLogLevel, LOG_LEVELS, type Logger, type LogLevel, silentLogger } from "./log.js";
export { buildPipelineMap, type PipelineMap } from "./mapping.js";
export { packetInOf, packetOutFrame } from "./packet-io.js";
export { buildPipeline, type Pipeline } from "./pipeline.js";
export { P4RUNTIME_API_VERSION, P4RuntimeSwitchServer, type SwitchServerOptions } from "./server.js";
export {
  loadServerTls,
  type ServerTls,
  type ServerTlsPaths,
  serverCredentials,
  TlsConfigError,
  tlsMode,
} from "./tls.js";
