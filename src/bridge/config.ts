// Bridge configuration: defaults < OTEL_ARROW_* environment variables < JSON config file <
// command-line flags (the opentelemetry-js convention: explicit configuration wins over the
// environment). See CONFIG_HELP for the keys.
import * as fs from 'node:fs';
import type { BackendOption } from '../backend/types.js';

export interface BridgeConfig {
  /** OTLP/gRPC listen address host:port. Default 127.0.0.1:4317. */
  listen: string;
  /** OTLP/HTTP listen address host:port, or false for none. Default 127.0.0.1:4318. */
  http: string | false;
  /** Downstream OTAP endpoint host:port (an otelarrow receiver). Required. */
  to: string;
  /** TLS towards the downstream (system roots). Default false ('https://' in `to` sets it). */
  tls: boolean;
  /** gRPC message compression towards the downstream. Default zstd. */
  compression: 'zstd' | 'gzip' | 'none';
  /** Arrow IPC body compression. Default none (gRPC zstd compresses the whole message). */
  payloadCompression: 'zstd' | 'none';
  /** Concurrent Arrow streams per signal. Default 1. */
  numStreams: number;
  /** Arrow stream rotation. Default 30000 ms. */
  maxStreamLifetimeMs: number;
  /** How long one batch waits for its BatchStatus before it is retried. Default 30000 ms. */
  timeoutMs: number;
  /** Unacknowledged batches towards the downstream. Default 64. */
  maxUnackedBatches: number;
  /** Retry backoff towards the downstream; maxElapsedMs 0 = forever. Defaults 100 / 5000 / 300000 ms. */
  retry: { initialIntervalMs: number; maxIntervalMs: number; maxElapsedMs: number };
  /** gRPC metadata sent downstream (e.g. authorization). */
  headers: Record<string, string>;
  /** When set, OTLP clients must send `authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Largest OTLP message accepted (gRPC and HTTP). Default 64 MiB. */
  maxMessageBytes: number;
  /** Admission: decoded bytes in flight / waiting. Defaults 128 / 32 MiB. */
  requestLimitMiB: number;
  waitingLimitMiB: number;
  /** Count the bytes on the downstream TCP connection (a loopback relay in front of it). Default false. */
  wireStats: boolean;
  /** Codec backend for both directions; default OTEL_ARROW_BACKEND, else auto (native, wasm, js). */
  backend?: BackendOption;
}

export const DEFAULT_CONFIG: Omit<BridgeConfig, 'to'> & { to: string } = {
  listen: '127.0.0.1:4317',
  http: '127.0.0.1:4318',
  to: '',
  tls: false,
  compression: 'zstd',
  payloadCompression: 'none',
  numStreams: 1,
  maxStreamLifetimeMs: 30_000,
  timeoutMs: 30_000,
  maxUnackedBatches: 64,
  retry: { initialIntervalMs: 100, maxIntervalMs: 5_000, maxElapsedMs: 300_000 },
  headers: {},
  maxMessageBytes: 64 * 1024 * 1024,
  requestLimitMiB: 128,
  waitingLimitMiB: 32,
  wireStats: false,
};

export const CONFIG_HELP = `config file keys (JSON; all optional but "to"):
  listen "host:port"            OTLP/gRPC listen address (127.0.0.1:4317)
  http "host:port" | false      OTLP/HTTP listen address (127.0.0.1:4318)
  to "host:port"                downstream OTAP receiver (required; "https://host:port" = TLS)
  compression zstd|gzip|none    gRPC compression downstream (zstd)
  payloadCompression zstd|none  Arrow IPC body compression (none)
  numStreams, maxStreamLifetimeMs, timeoutMs, maxUnackedBatches     (1, 30000, 30000, 64)
  retry {initialIntervalMs, maxIntervalMs, maxElapsedMs}            (100, 5000, 300000; 0 = forever)
  headers {name: value}         gRPC metadata sent downstream
  bearerToken "t"               required of OTLP clients (Authorization: Bearer t)
  maxMessageBytes, requestLimitMiB, waitingLimitMiB                  (64 MiB, 128, 32)
  wireStats true|false          count downstream TCP bytes through a loopback relay (false)
  backend auto|native|wasm|js   codec backend (OTEL_ARROW_BACKEND, else auto: native, wasm, js)
environment (below the file and flags): OTEL_ARROW_BRIDGE_LISTEN, OTEL_ARROW_BRIDGE_HTTP
  ("none" = off), OTEL_ARROW_BRIDGE_BEARER_TOKEN, OTEL_ARROW_EXPORTER_ENDPOINT,
  OTEL_ARROW_EXPORTER_COMPRESSION, OTEL_ARROW_EXPORTER_PAYLOAD_COMPRESSION,
  OTEL_ARROW_EXPORTER_NUM_STREAMS, OTEL_ARROW_EXPORTER_TIMEOUT (ms),
  OTEL_ARROW_EXPORTER_HEADERS (k1=v1,k2=v2, values URL-encoded)`;

export class ConfigError extends Error {}

const KEYS = new Set(Object.keys(DEFAULT_CONFIG).concat('bearerToken', 'backend'));
const BACKENDS: readonly BackendOption[] = ['auto', 'native', 'wasm', 'js'];

/** Checks and normalizes a partial config (from a file or code). Throws ConfigError. */
export function validatePartial(raw: unknown, where: string): Partial<BridgeConfig> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${where}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  const out: Partial<BridgeConfig> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!KEYS.has(k)) throw new ConfigError(`${where}: unknown key "${k}"`);
    const bad = (what: string): never => {
      throw new ConfigError(`${where}: "${k}" must be ${what}, not ${JSON.stringify(v)}`);
    };
    switch (k) {
      case 'listen':
        out.listen = typeof v === 'string' ? normalizeAddress(v, k) : bad('"host:port"');
        break;
      case 'http':
        out.http = v === false || v === null ? false : typeof v === 'string' ? normalizeAddress(v, k) : bad('"host:port" or false');
        break;
      case 'to': {
        if (typeof v !== 'string') bad('"host:port"');
        const { address, tls } = parseEndpoint(v as string);
        out.to = address;
        if (tls) out.tls = true;
        break;
      }
      case 'tls':
      case 'wireStats':
        if (typeof v !== 'boolean') bad('true or false');
        out[k] = v as boolean;
        break;
      case 'compression':
        out.compression = v === 'zstd' || v === 'gzip' || v === 'none' ? v : bad('zstd, gzip or none');
        break;
      case 'payloadCompression':
        out.payloadCompression = v === 'zstd' || v === 'none' ? v : bad('zstd or none');
        break;
      case 'numStreams':
      case 'maxStreamLifetimeMs':
      case 'timeoutMs':
      case 'maxUnackedBatches':
      case 'maxMessageBytes':
        out[k] = typeof v === 'number' && Number.isSafeInteger(v) && v >= (k === 'maxStreamLifetimeMs' ? 0 : 1) ? v : bad('a positive integer');
        break;
      case 'requestLimitMiB':
      case 'waitingLimitMiB':
        out[k] = typeof v === 'number' && v >= 0 && Number.isFinite(v) ? v : bad('a number >= 0');
        break;
      case 'retry': {
        if (!v || typeof v !== 'object') bad('an object');
        const r = { ...DEFAULT_CONFIG.retry };
        for (const [rk, rv] of Object.entries(v as Record<string, unknown>)) {
          if (!(rk in r)) throw new ConfigError(`${where}: unknown key "retry.${rk}"`);
          if (typeof rv !== 'number' || !(rv >= 0)) throw new ConfigError(`${where}: "retry.${rk}" must be a number >= 0`);
          r[rk as keyof typeof r] = rv;
        }
        out.retry = r;
        break;
      }
      case 'headers':
        if (!v || typeof v !== 'object' || Object.values(v as object).some((x) => typeof x !== 'string')) bad('an object of strings');
        out.headers = { ...(v as Record<string, string>) };
        break;
      case 'backend':
        out.backend = BACKENDS.includes(v as BackendOption) ? (v as BackendOption) : bad(BACKENDS.join(', '));
        break;
      case 'bearerToken':
        out.bearerToken = typeof v === 'string' && v !== '' ? v : bad('a non-empty string');
        break;
    }
  }
  return out;
}

/** The OTEL_ARROW_* variables present in `env`. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<BridgeConfig> {
  const raw: Record<string, unknown> = {};
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const listen = get('OTEL_ARROW_BRIDGE_LISTEN');
  if (listen) raw.listen = listen;
  const httpAddr = get('OTEL_ARROW_BRIDGE_HTTP');
  if (httpAddr) raw.http = /^(none|off|false)$/i.test(httpAddr) ? false : httpAddr;
  const token = get('OTEL_ARROW_BRIDGE_BEARER_TOKEN');
  if (token) raw.bearerToken = token;
  const to = get('OTEL_ARROW_EXPORTER_ENDPOINT');
  if (to) raw.to = to;
  const compression = get('OTEL_ARROW_EXPORTER_COMPRESSION');
  if (compression) raw.compression = compression.toLowerCase();
  const payload = get('OTEL_ARROW_EXPORTER_PAYLOAD_COMPRESSION');
  if (payload) raw.payloadCompression = payload.toLowerCase();
  const streams = get('OTEL_ARROW_EXPORTER_NUM_STREAMS');
  if (streams) raw.numStreams = Number(streams);
  const timeout = get('OTEL_ARROW_EXPORTER_TIMEOUT');
  if (timeout) raw.timeoutMs = Number(timeout);
  const headers = get('OTEL_ARROW_EXPORTER_HEADERS');
  if (headers) raw.headers = parseHeaderList(headers);
  return validatePartial(raw, 'environment');
}

/** "k1=v1,k2=v2" with URL-encoded values (as OTEL_EXPORTER_OTLP_HEADERS). */
export function parseHeaderList(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export function configFromFile(file: string): Partial<BridgeConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
  }
  return validatePartial(parsed, file);
}

/** defaults < env < file < overrides; `to` is required unless `requireTo` is false. */
export function resolveConfig(layers: Partial<BridgeConfig>[], requireTo = true): BridgeConfig {
  const cfg: BridgeConfig = { ...DEFAULT_CONFIG, retry: { ...DEFAULT_CONFIG.retry }, headers: {} };
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
  }
  if (requireTo && !cfg.to) throw new ConfigError('no downstream: give --to host:port, "to" in the config file or OTEL_ARROW_EXPORTER_ENDPOINT');
  return cfg;
}

/** "host:port", "[v6]:port", "http(s)://host:port[/]" -> host:port and whether TLS. */
export function parseEndpoint(s: string): { address: string; tls: boolean } {
  const m = /^(https?):\/\/([^/]+)\/?$/i.exec(s.trim());
  if (m) return { address: normalizeAddress(m[2]!, 'to'), tls: m[1]!.toLowerCase() === 'https' };
  return { address: normalizeAddress(s, 'to'), tls: false };
}

function normalizeAddress(s: string, what: string): string {
  splitHostPort(s, what);
  return s.trim();
}

/** host:port -> parts (port 0 allowed: ephemeral). Throws ConfigError. */
export function splitHostPort(s: string, what = 'address'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`${what}: expected host:port, not ${JSON.stringify(s)}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
