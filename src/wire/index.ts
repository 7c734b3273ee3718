// The wire format's public surface: import from here rather than from the individual modules.
export * from "./addr.js";
export * from "./bytes.js";
export * from "./checksum.js";
export * from "./codec.js";
export * from "./errors.js";
export * from "./frame.js";
export * from "./header.js";
export type { PaxosMessage } from "./message.js";
