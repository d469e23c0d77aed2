// The OTLP -> OTAP bridge (see bridge.ts), its configuration, demo and helpers.
export { Bridge, totals, type BridgeStats, type SignalCounters } from './bridge.js';
export {
  CONFIG_HELP, ConfigError, configFromEnv, configFromFile, DEFAULT_CONFIG, parseEndpoint, parseHeaderList, resolveConfig,
  splitHostPort, validatePartial, type BridgeConfig,
} from './config.js';
export { runBridgeDemo, type DemoOptions, type DemoResult, type DemoSnapshot } from './demo.js';
export { LoadGenerator, makePool, type LoadOptions, type LoadResult, type Pool } from './loadgen.js';
export { WireCounter } from './wire-counter.js';
