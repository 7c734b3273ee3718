// Deployment description: types, loading and validation, topology helpers.
export { type ConfigError, formatConfigError, type Severity } from "./errors.js";
export { deploymentJsonSchema } from "./json-schema.js";
export { checkDeploymentData, type LoadResult, loadDeployment, parseDeployment } from "./load.js";
export { summarize } from "./summary.js";
export { type Adjacent, Topology } from "./topology.js";
export type * from "./types.js";
