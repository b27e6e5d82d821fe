/**
 * Scenarios: a network and what happens in it, from a YAML file. Load text with `loadScenario`,
 * run it with `ScenarioRun`; apps register in an `AppRegistry`. No file access here (see cli/).
 */
export * from "./apps/index.js";
export * from "./assertions.js";
export * from "./build.js";
export * from "./check.js";
export * from "./default-internet.js";
export * from "./edge-build.js";
export * from "./edge-schema.js";
export * from "./edge-summary.js";
export * from "./fingerprint.js";
export * from "./json-schema.js";
export * from "./load.js";
export * from "./registry.js";
export * from "./routes.js";
export * from "./run.js";
export * from "./schema.js";
export * from "./source.js";
export * from "./units.js";
