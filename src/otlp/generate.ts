// Deterministic, seeded generator of realistic OTLP telemetry (what a Collector sees) for the
// CLI demo, benchmarks and long-stream tests.
//
// Determinism: the output is a pure function of the options. Everything that describes a
// service (resource attributes, scopes, metric series, process start time) depends only on
// `seed` and the resource index, so it is identical in every batch of a stream; everything
// else depends on (`seed`, `batchIndex`). No global randomness is used.
//
// Item counts: `generateTraces` / `generateLogs` / `generateMetrics` return exactly
// `batchSize` spans / log records / data points (for metrics: data points; empty metrics are
// never generated).
//
// Attribute cardinality:
// - `attributeCardinality` (default 20) bounds the distinct values of the high-cardinality
//   attributes: `user.id` (spans, logs), the id inside `url.path` (spans, logs), `client.address`
//   (spans, logs, exemplars) and `tenant.id` (metric `app.tenant.requests`). Each draws uniformly
//   from `attributeCardinality` values, so over a stream it takes at most that many distinct
//   values (and approaches it).
// - `uniqueValuesPerBatch` (default 0) injects exactly that many fresh string attribute values
//   per batch that never occur in any other batch of the same seed (nor anywhere else): the
//   value `req-<seed>-<batchIndex>-<i>` for i in [0, N) is added to item number i mod K in
//   document order (K = item count; spans, log records or metric data points) under the key
//   `request.id` for i < K, `request.id.<floor(i/K)>` after that, so no attribute list gets a
//   duplicate key. After batches 0..B-1 of one seed the stream has seen exactly N*B distinct
//   `request.id*` values: e.g. N = 1000 passes 256 distinct values in batch 0 and 65,536 after
//   66 batches. (Requires batchSize >= 1.)

import type {
  AnyValue,
  Exemplar,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
} from './model.js';
import { AggregationTemporality, SpanKind, StatusCode } from './model.js';
import { mixSeed as mix, Rng } from '../random/rng.js';

export interface GenerateOptions {
  /** Seed of the stream (any number; converted to uint32). */
  seed: number;
  /** Exact number of spans / log records / metric data points to produce. */
  batchSize: number;
  /** Position in the stream; timestamps advance with it. Default 0. */
  batchIndex?: number;
  /** Number of services (ResourceX entries). Default 3, minimum 1. */
  resources?: number;
  /** Distinct values of high-cardinality attributes (see file header). Default 20. */
  attributeCardinality?: number;
  /** Fresh globally unique `request.id*` string values per batch (see file header). Default 0. */
  uniqueValuesPerBatch?: number;
  /** Start time of batch 0. Default 2024-01-01T00:00:00Z. */
  startTimeUnixNano?: bigint;
  /** Time span covered by one batch. Default 10 s. */
  batchIntervalNanos?: bigint;
}

// ---------------------------------------------------------------------------------------
// Small helpers

const str = (value: string): AnyValue => ({ type: 'string', value });
const int = (value: number | bigint): AnyValue => ({ type: 'int', value: BigInt(value) });
const dbl = (value: number): AnyValue => ({ type: 'double', value });
const bool = (value: boolean): AnyValue => ({ type: 'bool', value });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });
const EMPTY_ID = new Uint8Array(0);

const DEFAULT_START = 1_704_067_200_000_000_000n; // 2024-01-01T00:00:00Z
const DEFAULT_INTERVAL = 10_000_000_000n; // 10 s
const MS = 1_000_000;

interface Ctx {
  seed: number;
  batchIndex: number;
  batchSize: number;
  card: number;
  unique: number;
  batchStart: bigint;
  interval: bigint;
  services: Service[];
  rng: Rng;
}

function ctxOf(opts: GenerateOptions, signalTag: number): Ctx {
  const seed = opts.seed >>> 0;
  const batchIndex = Math.max(0, Math.floor(opts.batchIndex ?? 0));
  const start = opts.startTimeUnixNano ?? DEFAULT_START;
  const interval = opts.batchIntervalNanos ?? DEFAULT_INTERVAL;
  const nres = Math.max(1, Math.floor(opts.resources ?? 3));
  const services: Service[] = [];
  for (let r = 0; r < nres; r++) services.push(makeService(seed, r, start));
  return {
    seed,
    batchIndex,
    batchSize: Math.max(0, Math.floor(opts.batchSize)),
    card: Math.max(1, Math.floor(opts.attributeCardinality ?? 20)),
    unique: Math.max(0, Math.floor(opts.uniqueValuesPerBatch ?? 0)),
    batchStart: start + BigInt(batchIndex) * interval,
    interval,
    services,
    rng: new Rng(mix(seed, batchIndex, signalTag)),
  };
}

/** A timestamp `offsetNs` after the start of the batch. */
function at(ctx: Ctx, offsetNs: number): bigint {
  return ctx.batchStart + BigInt(Math.max(0, Math.floor(offsetNs)));
}

function randomOffset(ctx: Ctx): number {
  return ctx.rng.float() * Number(ctx.interval);
}

// ---------------------------------------------------------------------------------------
// Services (resources and scopes), stable across the batches of a stream

type Language = 'nodejs' | 'java' | 'go' | 'python' | 'dotnet';
type ScopeRole = 'httpServer' | 'httpClient' | 'db' | 'app' | 'runtime' | 'log';

const SERVICE_NAMES = [
  'frontend',
  'checkout',
  'cart',
  'payment',
  'product-catalog',
  'recommendation',
  'shipping',
  'ad',
  'email',
  'currency',
  'quote',
  'fraud-detection',
] as const;

const LANGUAGES: readonly Language[] = ['nodejs', 'java', 'go', 'python', 'dotnet'];

const SCOPES: Record<Language, Record<ScopeRole, readonly [string, string]>> = {
  nodejs: {
    httpServer: ['@opentelemetry/instrumentation-http', '0.53.0'],
    httpClient: ['@opentelemetry/instrumentation-undici', '0.6.0'],
    db: ['@opentelemetry/instrumentation-pg', '0.44.0'],
    app: ['app', ''],
    runtime: ['@opentelemetry/host-metrics', '0.35.3'],
    log: ['@opentelemetry/winston-transport', '0.6.0'],
  },
  java: {
    httpServer: ['io.opentelemetry.tomcat-10.0', '2.8.0-alpha'],
    httpClient: ['io.opentelemetry.java-http-client', '2.8.0-alpha'],
    db: ['io.opentelemetry.jdbc', '2.8.0-alpha'],
    app: ['com.example.shop', '1.0.0'],
    runtime: ['io.opentelemetry.runtime-telemetry-java17', '2.8.0-alpha'],
    log: ['com.example.shop.OrderService', ''],
  },
  go: {
    httpServer: ['go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', '0.54.0'],
    httpClient: ['go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', '0.54.0'],
    db: ['github.com/XSAM/otelsql', '0.34.0'],
    app: ['main', ''],
    runtime: ['go.opentelemetry.io/contrib/instrumentation/runtime', '0.54.0'],
    log: ['log/slog', ''],
  },
  python: {
    httpServer: ['opentelemetry.instrumentation.flask', '0.48b0'],
    httpClient: ['opentelemetry.instrumentation.requests', '0.48b0'],
    db: ['opentelemetry.instrumentation.psycopg2', '0.48b0'],
    app: ['app.handlers', ''],
    runtime: ['opentelemetry.instrumentation.system_metrics', '0.48b0'],
    log: ['app.logger', ''],
  },
  dotnet: {
    httpServer: ['Microsoft.AspNetCore', '8.0.0'],
    httpClient: ['System.Net.Http', '8.0.0'],
    db: ['OpenTelemetry.Instrumentation.SqlClient', '1.9.0-beta.1'],
    app: ['Shop.Api', '1.0.0'],
    runtime: ['OpenTelemetry.Instrumentation.Runtime', '1.9.0'],
    log: ['Shop.Api.Controllers.OrderController', ''],
  },
};

const SDK_VERSION: Record<Language, string> = {
  nodejs: '1.26.0',
  java: '1.42.1',
  go: '1.30.0',
  python: '1.27.0',
  dotnet: '1.9.0',
};

const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.26.0';

interface Service {
  index: number;
  name: string;
  language: Language;
  resource: Resource;
  schemaUrl: string;
  scopes: Record<ScopeRole, { scope: InstrumentationScope; schemaUrl: string }>;
  host: string;
  port: number;
  db: DbInfo;
  processStart: bigint;
  rngSeed: number;
}

interface DbInfo {
  system: string;
  namespace: string;
  address: string;
  port: number;
}

const DBS: readonly Omit<DbInfo, 'address'>[] = [
  { system: 'postgresql', namespace: 'shop', port: 5432 },
  { system: 'redis', namespace: '0', port: 6379 },
  { system: 'mongodb', namespace: 'catalog', port: 27017 },
  { system: 'mysql', namespace: 'orders', port: 3306 },
];

function uuid(r: Rng): string {
  return `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-${r.pick(['8', '9', 'a', 'b'])}${r.hex(3)}-${r.hex(12)}`;
}

function makeService(seed: number, index: number, start: bigint): Service {
  const r = new Rng(mix(seed, index, 0x5e41ce));
  const base = SERVICE_NAMES[index % SERVICE_NAMES.length] ?? 'service';
  const round = Math.floor(index / SERVICE_NAMES.length);
  const name = round === 0 ? base : `${base}-${round}`;
  const language = index === 0 ? 'nodejs' : r.pick(LANGUAGES);
  const podHash = `${r.hex(10)}`;
  const node = `ip-10-0-${r.range(0, 15)}-${r.range(1, 254)}.ec2.internal`;
  const attributes: KeyValue[] = [
    kv('service.name', str(name)),
    kv('service.namespace', str('shop')),
    kv('service.version', str(`1.${r.range(0, 12)}.${r.range(0, 9)}`)),
    kv('service.instance.id', str(uuid(r))),
    kv('deployment.environment.name', str('production')),
    kv('telemetry.sdk.name', str('opentelemetry')),
    kv('telemetry.sdk.language', str(language)),
    kv('telemetry.sdk.version', str(SDK_VERSION[language])),
    kv('host.name', str(`${name}-${podHash.slice(0, 5)}-${podHash.slice(5)}`)),
    kv('host.arch', str(r.chance(0.8) ? 'amd64' : 'arm64')),
    kv('os.type', str('linux')),
    kv('process.pid', int(r.range(1, 65535))),
    kv('k8s.namespace.name', str('shop-prod')),
    kv('k8s.deployment.name', str(name)),
    kv('k8s.pod.name', str(`${name}-${podHash.slice(0, 5)}-${podHash.slice(5)}`)),
    kv('k8s.pod.uid', str(uuid(r))),
    kv('k8s.node.name', str(node)),
    kv('cloud.provider', str('aws')),
    kv('cloud.region', str(r.pick(['us-east-1', 'eu-west-1', 'ap-southeast-2']))),
  ];
  const scopes = {} as Service['scopes'];
  for (const role of Object.keys(SCOPES[language]) as ScopeRole[]) {
    const [sname, sversion] = SCOPES[language][role];
    const scopeAttrs: KeyValue[] = role === 'app' && r.chance(0.5) ? [kv('app.component', str(name))] : [];
    scopes[role] = {
      scope: { name: sname, version: sversion, attributes: scopeAttrs, droppedAttributesCount: 0 },
      schemaUrl: role === 'app' || role === 'log' ? '' : SCHEMA_URL,
    };
  }
  const db = r.pick(DBS);
  return {
    index,
    name,
    language,
    resource: { attributes, droppedAttributesCount: 0 },
    schemaUrl: index % 4 === 3 ? '' : SCHEMA_URL,
    scopes,
    host: name,
    port: r.pick([8080, 8080, 3000, 5000, 9090]),
    db: { ...db, address: `${db.system}.shop-prod.svc.cluster.local` },
    processStart: start - BigInt(r.range(60, 86_400)) * 1_000_000_000n,
    rngSeed: mix(seed, index, 0x5e41cf),
  };
}

function pickService(ctx: Ctx): Service {
  // The first services get more traffic (frontend sees the most).
  const n = ctx.services.length;
  const i = Math.min(n - 1, Math.floor(n * ctx.rng.float() ** 1.6));
  const s = ctx.services[i];
  if (s === undefined) throw new Error('no services');
  return s;
}

/** Groups items by (service, scope role) in first-appearance order. */
class Grouper<T> {
  private readonly groups = new Map<number, Map<ScopeRole, T[]>>();
  add(service: Service, role: ScopeRole, item: T): void {
    let g = this.groups.get(service.index);
    if (!g) {
      g = new Map();
      this.groups.set(service.index, g);
    }
    let items = g.get(role);
    if (!items) {
      items = [];
      g.set(role, items);
    }
    items.push(item);
  }
  build<RX, SX>(
    ctx: Ctx,
    makeScope: (scope: InstrumentationScope, schemaUrl: string, items: T[]) => SX,
    makeResource: (resource: Resource, schemaUrl: string, scopes: SX[]) => RX,
  ): RX[] {
    const out: RX[] = [];
    for (const [si, g] of this.groups) {
      const svc = ctx.services[si];
      if (svc === undefined) continue;
      const scopes: SX[] = [];
      for (const [role, items] of g) {
        const s = svc.scopes[role];
        scopes.push(makeScope(cloneScope(s.scope), s.schemaUrl, items));
      }
      out.push(makeResource(cloneResource(svc.resource), svc.schemaUrl, scopes));
    }
    return out;
  }
}

function cloneKv(x: KeyValue): KeyValue {
  return { key: x.key, value: x.value };
}
function cloneResource(r: Resource): Resource {
  return { attributes: r.attributes.map(cloneKv), droppedAttributesCount: r.droppedAttributesCount };
}
function cloneScope(s: InstrumentationScope): InstrumentationScope {
  return { ...s, attributes: s.attributes.map(cloneKv) };
}

/** Adds the `request.id*` unique values (see file header) to the items' attribute lists. */
function injectUnique(ctx: Ctx, attrLists: KeyValue[][]): void {
  const k = attrLists.length;
  if (k === 0) return;
  for (let i = 0; i < ctx.unique; i++) {
    const list = attrLists[i % k];
    if (list === undefined) continue;
    const round = Math.floor(i / k);
    list.push(kv(round === 0 ? 'request.id' : `request.id.${round}`, str(`req-${ctx.seed}-${ctx.batchIndex}-${i}`)));
  }
}

// ---------------------------------------------------------------------------------------
// HTTP vocabulary

const METHODS = [
  ['GET', 70],
  ['POST', 18],
  ['PUT', 6],
  ['DELETE', 4],
  ['PATCH', 2],
] as const;

const ROUTES = [
  { route: '/api/products/{id}', path: (id: number) => `/api/products/${id}` },
  { route: '/api/products', path: () => '/api/products' },
  { route: '/api/cart/{userId}', path: (id: number) => `/api/cart/${id}` },
  { route: '/api/checkout', path: () => '/api/checkout' },
  { route: '/api/orders/{orderId}', path: (id: number) => `/api/orders/ord-${id}` },
  { route: '/api/recommendations', path: () => '/api/recommendations' },
  { route: '/health', path: () => '/health' },
  { route: '/', path: () => '/' },
] as const;

const STATUS = [
  [200, 74],
  [201, 6],
  [204, 4],
  [304, 3],
  [400, 3],
  [401, 2],
  [404, 4],
  [429, 1],
  [500, 2],
  [503, 1],
] as const;

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'python-requests/2.32.3',
  'Go-http-client/1.1',
] as const;

const EXCEPTIONS = [
  ['TimeoutError', 'Request timed out after 5000ms'],
  ['ConnectionRefusedError', 'connect ECONNREFUSED 10.0.3.17:5432'],
  ['java.lang.IllegalStateException', 'Cart is empty'],
  ['PaymentDeclinedError', 'card declined: insufficient funds'],
  ['KeyError', "'product_id'"],
  ['System.InvalidOperationException', 'Sequence contains no elements'],
] as const;

function clientAddress(ctx: Ctx): string {
  const n = ctx.rng.int(ctx.card);
  return `10.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function stacktrace(rng: Rng, type: string, message: string): string {
  const frames = rng.range(3, 12);
  let s = `${type}: ${message}`;
  for (let i = 0; i < frames; i++) {
    s += `\n    at ${rng.pick(['handle', 'process', 'execute', 'run', 'next', 'dispatch'])} (/app/src/${rng.pick(['server', 'routes', 'db', 'payment', 'cart'])}.js:${rng.range(1, 400)}:${rng.range(1, 80)})`;
  }
  return s;
}

interface HttpCall {
  method: string;
  route: string;
  path: string;
  status: number;
}

function httpCall(ctx: Ctx): HttpCall {
  const r = ctx.rng.pick(ROUTES);
  const id = ctx.rng.int(ctx.card);
  return {
    method: ctx.rng.weighted(METHODS),
    route: r.route,
    path: r.path(id),
    status: ctx.rng.weighted(STATUS),
  };
}

// ---------------------------------------------------------------------------------------
// Traces

interface PendingSpan {
  span: Span;
  service: Service;
}

export function generateTraces(opts: GenerateOptions): ExportTraceServiceRequest {
  const ctx = ctxOf(opts, 1);
  const { rng } = ctx;
  const grouper = new Grouper<Span>();
  const all: Span[] = [];
  let remaining = ctx.batchSize;

  const emit = (service: Service, role: ScopeRole, span: Span): void => {
    grouper.add(service, role, span);
    all.push(span);
    remaining--;
  };

  while (remaining > 0) {
    const traceId = rng.id(16);
    const budget = Math.min(remaining, rng.weighted([
      [1, 15],
      [2, 10],
      [3, 15],
      [4, 15],
      [5, 12],
      [6, 10],
      [8, 10],
      [12, 8],
      [20, 5],
    ] as const));
    const traceState = rng.chance(0.1) ? `rojo=${rng.hex(16)},congo=t61rcWkgMzE` : '';
    const entry = pickService(ctx);
    const call = httpCall(ctx);
    const rootStart = randomOffset(ctx);
    const rootDur = rng.lognormal(40 * MS, 1.5);
    const user = `user-${rng.int(ctx.card)}`;
    const root = serverSpan(ctx, entry, traceId, EMPTY_ID, traceState, call, rootStart, rootDur, user, false);
    if (rng.chance(0.05)) {
      root.links.push(link(ctx, traceState));
    }
    emit(entry, 'httpServer', root);
    const open: PendingSpan[] = [{ span: root, service: entry }];
    let used = 1;
    while (used < budget) {
      const parent = rng.chance(0.6) ? open[0] : rng.pick(open);
      if (parent === undefined) break;
      const pStart = Number(parent.span.startTimeUnixNano - ctx.batchStart);
      const pDur = Number(parent.span.endTimeUnixNano - parent.span.startTimeUnixNano);
      const cStart = pStart + rng.float() * pDur * 0.5;
      const cDur = rng.float() * pDur * 0.45 + 1000;
      const kind = rng.weighted([
        ['db', 40],
        ['http', 35],
        ['internal', 25],
      ] as const);
      if (kind === 'http' && ctx.services.length > 1 && budget - used >= 2) {
        let callee = pickService(ctx);
        if (callee === parent.service) callee = ctx.services[(callee.index + 1) % ctx.services.length] ?? callee;
        const c = httpCall(ctx);
        const client = clientSpan(ctx, callee, traceId, parent.span.spanId, traceState, c, cStart, cDur);
        emit(parent.service, 'httpClient', client);
        const server = serverSpan(ctx, callee, traceId, client.spanId, traceState, c, cStart + cDur * 0.05, cDur * 0.9, user, true);
        emit(callee, 'httpServer', server);
        open.push({ span: server, service: callee });
        used += 2;
      } else if (kind === 'db' || kind === 'http') {
        emit(parent.service, 'db', dbSpan(ctx, parent.service, traceId, parent.span.spanId, traceState, cStart, cDur));
        used += 1;
      } else {
        const span = internalSpan(ctx, traceId, parent.span.spanId, traceState, cStart, cDur);
        emit(parent.service, 'app', span);
        open.push({ span, service: parent.service });
        used += 1;
      }
    }
  }
  injectUnique(ctx, all.map((s) => s.attributes));
  return {
    resourceSpans: grouper.build(
      ctx,
      (scope, schemaUrl, spans) => ({ scope, spans, schemaUrl }),
      (resource, schemaUrl, scopeSpans) => ({ resource, scopeSpans, schemaUrl }),
    ),
  };
}

function baseSpan(
  ctx: Ctx,
  traceId: Uint8Array,
  parentSpanId: Uint8Array,
  traceState: string,
  name: string,
  kind: number,
  startOffset: number,
  duration: number,
  flags: number,
): Span {
  const start = at(ctx, startOffset);
  return {
    traceId: new Uint8Array(traceId),
    spanId: ctx.rng.id(8),
    traceState,
    parentSpanId: new Uint8Array(parentSpanId),
    flags,
    name,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.max(1, Math.floor(duration))),
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: StatusCode.UNSET },
  };
}

function exceptionEvent(ctx: Ctx, time: bigint): SpanEvent {
  const [type, message] = ctx.rng.pick(EXCEPTIONS);
  return {
    timeUnixNano: time,
    name: 'exception',
    attributes: [
      kv('exception.type', str(type)),
      kv('exception.message', str(message)),
      kv('exception.stacktrace', str(stacktrace(ctx.rng, type, message))),
      ...(ctx.rng.chance(0.3) ? [kv('exception.escaped', bool(true))] : []),
    ],
    droppedAttributesCount: 0,
  };
}

function link(ctx: Ctx, traceState: string): SpanLink {
  return {
    traceId: ctx.rng.id(16),
    spanId: ctx.rng.id(8),
    traceState,
    attributes: ctx.rng.chance(0.5) ? [kv('messaging.operation.type', str('receive'))] : [],
    droppedAttributesCount: 0,
    flags: 0x101,
  };
}

function serverSpan(
  ctx: Ctx,
  svc: Service,
  traceId: Uint8Array,
  parent: Uint8Array,
  traceState: string,
  call: HttpCall,
  start: number,
  dur: number,
  user: string,
  remoteParent: boolean,
): Span {
  const { rng } = ctx;
  const span = baseSpan(ctx, traceId, parent, traceState, `${call.method} ${call.route}`, SpanKind.SERVER, start, dur, remoteParent ? 0x301 : 0x101);
  span.attributes.push(
    kv('http.request.method', str(call.method)),
    kv('url.path', str(call.path)),
    kv('url.scheme', str('http')),
    kv('http.route', str(call.route)),
    kv('http.response.status_code', int(call.status)),
    kv('server.address', str(svc.host)),
    kv('server.port', int(svc.port)),
    kv('network.protocol.version', str(rng.chance(0.8) ? '1.1' : '2')),
    kv('client.address', str(clientAddress(ctx))),
  );
  if (!remoteParent) {
    span.attributes.push(kv('user_agent.original', str(rng.pick(USER_AGENTS))));
    if (rng.chance(0.7)) span.attributes.push(kv('user.id', str(user)));
  }
  if (call.status >= 500) {
    span.status = { message: '', code: StatusCode.ERROR };
    span.attributes.push(kv('error.type', str(String(call.status))));
    if (rng.chance(0.7)) span.events.push(exceptionEvent(ctx, span.endTimeUnixNano - 1000n));
  } else if (rng.chance(0.05)) {
    span.status = { message: '', code: StatusCode.OK };
  }
  return span;
}

function clientSpan(
  ctx: Ctx,
  to: Service,
  traceId: Uint8Array,
  parent: Uint8Array,
  traceState: string,
  call: HttpCall,
  start: number,
  dur: number,
): Span {
  const span = baseSpan(ctx, traceId, parent, traceState, call.method, SpanKind.CLIENT, start, dur, 0x101);
  span.attributes.push(
    kv('http.request.method', str(call.method)),
    kv('url.full', str(`http://${to.host}:${to.port}${call.path}`)),
    kv('server.address', str(to.host)),
    kv('server.port', int(to.port)),
    kv('http.response.status_code', int(call.status)),
  );
  if (call.status >= 400) {
    span.status = { message: '', code: StatusCode.ERROR };
    span.attributes.push(kv('error.type', str(String(call.status))));
  }
  return span;
}

const DB_OPS: Record<string, readonly (readonly [string, string])[]> = {
  postgresql: [
    ['SELECT', 'SELECT id, name, price FROM products WHERE id = $1'],
    ['SELECT', 'SELECT * FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20'],
    ['INSERT', 'INSERT INTO orders (id, user_id, total) VALUES ($1, $2, $3)'],
    ['UPDATE', 'UPDATE inventory SET stock = stock - $1 WHERE product_id = $2'],
  ],
  mysql: [
    ['SELECT', 'SELECT id, status FROM orders WHERE id = ?'],
    ['INSERT', 'INSERT INTO order_items (order_id, product_id, qty) VALUES (?, ?, ?)'],
  ],
  redis: [
    ['GET', 'GET cart:?'],
    ['SET', 'SET session:? ? EX 3600'],
    ['HGETALL', 'HGETALL product:?'],
  ],
  mongodb: [
    ['find', '{"find":"products","filter":{"category":"?"}}'],
    ['aggregate', '{"aggregate":"reviews","pipeline":[{"$match":{"productId":"?"}}]}'],
  ],
};

function dbSpan(ctx: Ctx, svc: Service, traceId: Uint8Array, parent: Uint8Array, traceState: string, start: number, dur: number): Span {
  const { rng } = ctx;
  const [op, query] = rng.pick(DB_OPS[svc.db.system] ?? [['SELECT', 'SELECT 1']]);
  const span = baseSpan(ctx, traceId, parent, traceState, `${op} ${svc.db.namespace}`, SpanKind.CLIENT, start, dur * 0.5, 0x101);
  span.attributes.push(
    kv('db.system', str(svc.db.system)),
    kv('db.namespace', str(svc.db.namespace)),
    kv('db.operation.name', str(op)),
    kv('db.query.text', str(query)),
    kv('server.address', str(svc.db.address)),
    kv('server.port', int(svc.db.port)),
  );
  if (rng.chance(0.02)) {
    span.status = { message: 'connection reset by peer', code: StatusCode.ERROR };
    span.events.push(exceptionEvent(ctx, span.endTimeUnixNano));
  }
  return span;
}

const INTERNAL_NAMES = ['render product page', 'compute cart total', 'apply discounts', 'serialize response', 'validate order', 'load feature flags'] as const;

function internalSpan(ctx: Ctx, traceId: Uint8Array, parent: Uint8Array, traceState: string, start: number, dur: number): Span {
  const { rng } = ctx;
  const span = baseSpan(ctx, traceId, parent, traceState, rng.pick(INTERNAL_NAMES), SpanKind.INTERNAL, start, dur, 0x101);
  if (rng.chance(0.5)) span.attributes.push(kv('code.function', str(rng.pick(['handler', 'computeTotal', 'applyPromo', 'toJSON']))));
  if (rng.chance(0.3)) span.attributes.push(kv('app.items.count', int(rng.range(0, 25))));
  if (rng.chance(0.1)) {
    span.events.push({
      timeUnixNano: span.startTimeUnixNano + 500n,
      name: rng.pick(['cache.miss', 'feature_flag.evaluated', 'retry']),
      attributes: rng.chance(0.5) ? [kv('attempt', int(rng.range(1, 3)))] : [],
      droppedAttributesCount: 0,
    });
  }
  return span;
}

// ---------------------------------------------------------------------------------------
// Logs

const SEVERITY = {
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
} as const;

type SevName = keyof typeof SEVERITY;

export function generateLogs(opts: GenerateOptions): ExportLogsServiceRequest {
  const ctx = ctxOf(opts, 2);
  const { rng } = ctx;
  const grouper = new Grouper<LogRecord>();
  const all: LogRecord[] = [];
  for (let i = 0; i < ctx.batchSize; i++) {
    const svc = pickService(ctx);
    const offset = randomOffset(ctx);
    const time = at(ctx, offset);
    const record: LogRecord = {
      timeUnixNano: time,
      observedTimeUnixNano: time + BigInt(rng.range(100_000, 50_000_000)),
      severityNumber: 0,
      severityText: '',
      body: { type: 'empty' },
      attributes: [],
      droppedAttributesCount: 0,
      flags: 0,
      traceId: EMPTY_ID,
      spanId: EMPTY_ID,
      eventName: '',
    };
    const setSev = (s: SevName): void => {
      record.severityNumber = SEVERITY[s];
      record.severityText = s;
    };
    let traced = rng.chance(0.5);
    let role: ScopeRole = 'log';
    const kind = rng.weighted([
      ['access', 35],
      ['message', 40],
      ['structured', 12],
      ['exception', 6],
      ['event', 4],
      ['raw', 3],
    ] as const);
    switch (kind) {
      case 'access': {
        const c = httpCall(ctx);
        const ms = Math.round(rng.lognormal(30, 1.5));
        const addr = clientAddress(ctx);
        setSev(c.status >= 500 ? 'ERROR' : c.status >= 400 ? 'WARN' : 'INFO');
        record.body = str(`${addr} - "${c.method} ${c.path} HTTP/1.1" ${c.status} ${rng.range(0, 20000)} ${ms}ms`);
        record.attributes.push(
          kv('http.request.method', str(c.method)),
          kv('url.path', str(c.path)),
          kv('http.response.status_code', int(c.status)),
          kv('client.address', str(addr)),
        );
        if (rng.chance(0.6)) record.attributes.push(kv('user.id', str(`user-${rng.int(ctx.card)}`)));
        role = 'httpServer';
        break;
      }
      case 'message': {
        const user = `user-${rng.int(ctx.card)}`;
        const templates: readonly (readonly [SevName, string])[] = [
          ['INFO', `Order ord-${rng.int(ctx.card)} placed for ${user}`],
          ['INFO', `Added product ${rng.int(500)} to cart of ${user}`],
          ['DEBUG', `Cache miss for key product:${rng.int(500)}`],
          ['DEBUG', `Loaded ${rng.range(1, 40)} recommendations in ${rng.range(1, 90)}ms`],
          ['WARN', `Retrying connection to ${svc.db.address} (attempt ${rng.range(1, 5)})`],
          ['WARN', 'Slow query detected'],
          ['INFO', 'Health check passed'],
          ['ERROR', 'Payment declined: insufficient funds'],
        ];
        const [sev, msg] = rng.pick(templates);
        setSev(sev);
        record.body = str(msg);
        if (rng.chance(0.5)) record.attributes.push(kv('code.function', str(rng.pick(['placeOrder', 'addItem', 'getRecommendations', 'charge']))));
        if (rng.chance(0.3)) record.attributes.push(kv('user.id', str(user)));
        break;
      }
      case 'structured': {
        setSev(rng.chance(0.8) ? 'INFO' : 'WARN');
        const items: AnyValue[] = [];
        for (let k = rng.range(0, 4); k > 0; k--) items.push(str(`sku-${rng.int(1000)}`));
        record.body = {
          type: 'kvlist',
          values: [
            kv('message', str('checkout completed')),
            kv('order_id', str(`ord-${rng.int(ctx.card)}`)),
            kv('amount', dbl(Math.round(rng.float() * 50000) / 100)),
            kv('currency', str(rng.pick(['USD', 'EUR', 'GBP']))),
            kv('items', { type: 'array', values: items }),
            kv('customer', { type: 'kvlist', values: [kv('id', str(`user-${rng.int(ctx.card)}`)), kv('tier', str(rng.pick(['free', 'gold', 'platinum'])))] }),
          ],
        };
        record.attributes.push(kv('log.record.structured', bool(true)));
        break;
      }
      case 'exception': {
        const [type, message] = rng.pick(EXCEPTIONS);
        setSev(rng.chance(0.9) ? 'ERROR' : 'FATAL');
        record.body = str(`Unhandled exception: ${message}`);
        record.attributes.push(
          kv('exception.type', str(type)),
          kv('exception.message', str(message)),
          kv('exception.stacktrace', str(stacktrace(rng, type, message))),
        );
        traced = rng.chance(0.8);
        break;
      }
      case 'event': {
        record.eventName = rng.pick(['browser.page_view', 'session.start', 'feature_flag.evaluation']);
        record.body = rng.chance(0.7)
          ? { type: 'kvlist', values: [kv('page', str(rng.pick(ROUTES).path(rng.int(ctx.card)))), kv('duration_ms', int(rng.range(5, 3000)))] }
          : { type: 'empty' };
        setSev('INFO');
        role = 'app';
        break;
      }
      case 'raw': {
        // Collected from a file: no timestamp parsed, no severity.
        record.timeUnixNano = 0n;
        record.body = str(`${new Date(Number(time / 1_000_000n)).toISOString()} stdout F worker ${rng.int(16)} heartbeat`);
        record.attributes.push(kv('log.file.name', str(`${svc.name}.log`)), kv('log.iostream', str('stdout')));
        traced = false;
        break;
      }
    }
    if (traced) {
      record.traceId = rng.id(16);
      record.spanId = rng.id(8);
      record.flags = 1;
    }
    grouper.add(svc, role, record);
    all.push(record);
  }
  injectUnique(ctx, all.map((r) => r.attributes));
  return {
    resourceLogs: grouper.build(
      ctx,
      (scope, schemaUrl, logRecords) => ({ scope, logRecords, schemaUrl }),
      (resource, schemaUrl, scopeLogs) => ({ resource, scopeLogs, schemaUrl }),
    ),
  };
}

// ---------------------------------------------------------------------------------------
// Metrics

type MetricKind = 'gaugeInt' | 'gaugeDouble' | 'sumMonotonic' | 'sumUpDown' | 'sumDelta' | 'histogram' | 'expHistogram' | 'summary' | 'tenant';

interface MetricDef {
  name: string;
  description: string;
  unit: string;
  kind: MetricKind;
  role: ScopeRole;
  /** Attribute sets of the series; chosen once per service. */
  series: (r: Rng) => KeyValue[][];
}

const HTTP_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

function httpSeries(r: Rng): KeyValue[][] {
  const out: KeyValue[][] = [];
  const n = r.range(2, 6);
  const seen = new Set<string>();
  for (let i = 0; i < n * 3 && out.length < n; i++) {
    const route = r.pick(ROUTES).route;
    const method = r.weighted(METHODS);
    const status = r.weighted(STATUS);
    const key = `${route}|${method}|${status}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([
      kv('http.request.method', str(method)),
      kv('http.route', str(route)),
      kv('http.response.status_code', int(status)),
      kv('url.scheme', str('http')),
    ]);
  }
  return out;
}

const METRIC_DEFS: readonly MetricDef[] = [
  {
    name: 'http.server.request.duration',
    description: 'Duration of HTTP server requests.',
    unit: 's',
    kind: 'histogram',
    role: 'httpServer',
    series: httpSeries,
  },
  {
    name: 'http.server.active_requests',
    description: 'Number of active HTTP server requests.',
    unit: '{request}',
    kind: 'sumUpDown',
    role: 'httpServer',
    series: () => [[kv('http.request.method', str('GET')), kv('url.scheme', str('http'))], [kv('http.request.method', str('POST')), kv('url.scheme', str('http'))]],
  },
  {
    name: 'process.cpu.time',
    description: 'Total CPU seconds broken down by different CPU modes.',
    unit: 's',
    kind: 'sumMonotonic',
    role: 'runtime',
    series: () => [[kv('cpu.mode', str('user'))], [kv('cpu.mode', str('system'))]],
  },
  {
    name: 'system.cpu.utilization',
    description: 'Difference in system.cpu.time since the last measurement, divided by the elapsed time and number of logical CPUs.',
    unit: '1',
    kind: 'gaugeDouble',
    role: 'runtime',
    series: (r) => {
      const cpus = r.range(1, 4);
      const out: KeyValue[][] = [];
      for (let c = 0; c < cpus; c++) for (const m of ['user', 'system', 'idle']) out.push([kv('cpu.logical_number', int(c)), kv('cpu.mode', str(m))]);
      return out;
    },
  },
  {
    name: 'process.thread.count',
    description: 'Process threads count.',
    unit: '{thread}',
    kind: 'gaugeInt',
    role: 'runtime',
    series: () => [[]],
  },
  {
    name: 'process.memory.usage',
    description: 'The amount of physical memory in use.',
    unit: 'By',
    kind: 'sumUpDown',
    role: 'runtime',
    series: () => [[kv('memory.type', str('heap'))], [kv('memory.type', str('non_heap'))]],
  },
  {
    name: 'db.client.operation.duration',
    description: 'Duration of database client operations.',
    unit: 's',
    kind: 'expHistogram',
    role: 'db',
    series: (r) => [
      [kv('db.system', str(r.pick(DBS).system)), kv('db.operation.name', str('SELECT'))],
      [kv('db.system', str(r.pick(DBS).system)), kv('db.operation.name', str('INSERT'))],
    ],
  },
  {
    name: 'rpc.server.duration',
    description: 'Measures the duration of inbound RPC.',
    unit: 'ms',
    kind: 'summary',
    role: 'app',
    series: (r) => [[kv('rpc.system', str('grpc')), kv('rpc.service', str('shop.CartService')), kv('rpc.method', str(r.pick(['GetCart', 'AddItem', 'EmptyCart'])))]],
  },
  {
    name: 'app.orders.placed',
    description: 'Orders placed since the last export.',
    unit: '{order}',
    kind: 'sumDelta',
    role: 'app',
    series: () => [[kv('order.type', str('standard'))], [kv('order.type', str('express'))]],
  },
  {
    name: 'app.tenant.requests',
    description: 'Requests per tenant.',
    unit: '{request}',
    kind: 'tenant',
    role: 'app',
    series: (r) => [[], [], []].map(() => [kv('http.route', str(r.pick(ROUTES).route))]),
  },
];

interface SeriesState {
  def: MetricDef;
  series: KeyValue[][];
  rates: number[];
}

function serviceMetrics(svc: Service): SeriesState[] {
  const r = new Rng(mix(svc.rngSeed, 0x3e7));
  return METRIC_DEFS.map((def) => {
    const series = def.series(r);
    return { def, series, rates: series.map(() => 1 + r.float() * 50) };
  });
}

function exemplars(ctx: Ctx, n: number, value: () => number, asInt: boolean, time: bigint): Exemplar[] {
  const out: Exemplar[] = [];
  for (let i = 0; i < n; i++) {
    const v = value();
    out.push({
      filteredAttributes: ctx.rng.chance(0.3) ? [kv('client.address', str(clientAddress(ctx)))] : [],
      timeUnixNano: time - BigInt(ctx.rng.int(Number(ctx.interval))) / 2n,
      value: asInt ? { type: 'int', value: BigInt(Math.round(v)) } : { type: 'double', value: v },
      spanId: ctx.rng.id(8),
      traceId: ctx.rng.id(16),
    });
  }
  return out;
}

export function generateMetrics(opts: GenerateOptions): ExportMetricsServiceRequest {
  const ctx = ctxOf(opts, 3);
  const grouper = new Grouper<Metric>();
  const pointAttrs: KeyValue[][] = [];
  const states = ctx.services.map(serviceMetrics);
  const perRound = states.reduce((n, s) => n + s.reduce((m, x) => m + x.series.length, 0), 0);
  const rounds = Math.max(1, Math.ceil(ctx.batchSize / Math.max(1, perRound)));
  let remaining = ctx.batchSize;
  // Each round is one collection cycle of every service; a batch holds `rounds` cycles.
  for (let round = 0; round < rounds && remaining > 0; round++) {
    const step = ctx.batchIndex * rounds + round + 1; // collection cycles since process start
    const time = at(ctx, (Number(ctx.interval) * (round + 1)) / rounds - 1);
    const prevTime = at(ctx, (Number(ctx.interval) * round) / rounds);
    for (let si = 0; si < ctx.services.length && remaining > 0; si++) {
      const svc = ctx.services[si];
      const st = states[si];
      if (svc === undefined || st === undefined) continue;
      for (const { def, series, rates } of st) {
        if (remaining <= 0) break;
        const n = Math.min(series.length, remaining);
        remaining -= n;
        const metric = buildMetric(ctx, svc, def, series.slice(0, n), rates, step, time, prevTime);
        for (const p of metric.data.type === 'empty' ? [] : metric.data.dataPoints) pointAttrs.push(p.attributes);
        grouper.add(svc, def.role, metric);
      }
    }
  }
  injectUnique(ctx, pointAttrs);
  return {
    resourceMetrics: grouper.build(
      ctx,
      (scope, schemaUrl, metrics) => ({ scope, metrics, schemaUrl }),
      (resource, schemaUrl, scopeMetrics) => ({ resource, scopeMetrics, schemaUrl }),
    ),
  };
}

function buildMetric(
  ctx: Ctx,
  svc: Service,
  def: MetricDef,
  series: KeyValue[][],
  rates: number[],
  step: number,
  time: bigint,
  prevTime: bigint,
): Metric {
  const { rng } = ctx;
  const attrs = (i: number): KeyValue[] => (series[i] ?? []).map(cloneKv);
  const rate = (i: number): number => rates[i] ?? 1;
  const start = svc.processStart;
  const base = { name: def.name, description: def.description, unit: def.unit, metadata: [] as KeyValue[] };
  switch (def.kind) {
    case 'gaugeInt':
      return {
        ...base,
        data: {
          type: 'gauge',
          dataPoints: series.map((_, i) => ({ attributes: attrs(i), startTimeUnixNano: 0n, timeUnixNano: time, value: { type: 'int', value: BigInt(rng.range(8, 200)) }, exemplars: [], flags: 0 })),
        },
      };
    case 'gaugeDouble':
      return {
        ...base,
        data: {
          type: 'gauge',
          dataPoints: series.map((_, i) => ({ attributes: attrs(i), startTimeUnixNano: 0n, timeUnixNano: time, value: { type: 'double', value: Math.round(rng.float() * 10000) / 10000 }, exemplars: [], flags: 0 })),
        },
      };
    case 'sumMonotonic':
      return {
        ...base,
        data: {
          type: 'sum',
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          isMonotonic: true,
          dataPoints: series.map((_, i) => ({
            attributes: attrs(i),
            startTimeUnixNano: start,
            timeUnixNano: time,
            value: { type: 'double', value: rate(i) * step * 0.01 + rng.float() * 0.001 },
            exemplars: [],
            flags: 0,
          })),
        },
      };
    case 'sumUpDown':
      return {
        ...base,
        data: {
          type: 'sum',
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          isMonotonic: false,
          dataPoints: series.map((_, i) => ({
            attributes: attrs(i),
            startTimeUnixNano: start,
            timeUnixNano: time,
            value: { type: 'int', value: BigInt(def.unit === 'By' ? Math.round(rate(i) * 4_000_000 + rng.float() * 1_000_000) : rng.range(0, Math.ceil(rate(i)))) },
            exemplars: [],
            flags: 0,
          })),
        },
      };
    case 'sumDelta':
    case 'tenant':
      return {
        ...base,
        data: {
          type: 'sum',
          aggregationTemporality: AggregationTemporality.DELTA,
          isMonotonic: true,
          dataPoints: series.map((_, i) => {
            const a = attrs(i);
            if (def.kind === 'tenant') a.push(kv('tenant.id', str(`tenant-${rng.int(ctx.card)}`)));
            const v = rng.range(0, Math.ceil(rate(i)));
            return {
              attributes: a,
              startTimeUnixNano: prevTime,
              timeUnixNano: time,
              value: { type: 'int' as const, value: BigInt(v) },
              exemplars: v > 0 && rng.chance(0.1) ? exemplars(ctx, 1, () => 1, true, time) : [],
              flags: 0,
            };
          }),
        },
      };
    case 'histogram':
      return {
        ...base,
        data: {
          type: 'histogram',
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPoints: series.map((_, i) => {
            const count = Math.max(0, Math.round(rate(i) * step));
            const median = 0.02 + (i % 5) * 0.03;
            // Bucket weights derived from the series so cumulative buckets only grow.
            const counts = HTTP_BOUNDS.map(() => 0n).concat([0n]);
            let left = count;
            for (let b = 0; b < counts.length && left > 0; b++) {
              const upper = HTTP_BOUNDS[b] ?? Infinity;
              const share = Math.min(left, Math.round(count * cdfShare(median, HTTP_BOUNDS[b - 1] ?? 0, upper)));
              counts[b] = BigInt(share);
              left -= share;
            }
            if (left > 0) {
              // Rounding remainder goes to the bucket holding the median.
              const mode = HTTP_BOUNDS.findIndex((b) => b >= median);
              const mi = mode < 0 ? counts.length - 1 : mode;
              counts[mi] = (counts[mi] ?? 0n) + BigInt(left);
            }
            const sum = count * median * 1.3;
            return {
              attributes: attrs(i),
              startTimeUnixNano: start,
              timeUnixNano: time,
              count: BigInt(count),
              sum: count === 0 ? undefined : sum,
              bucketCounts: counts,
              explicitBounds: HTTP_BOUNDS.slice(),
              exemplars: count > 0 && rng.chance(0.3) ? exemplars(ctx, rng.range(1, 2), () => rng.lognormal(median, 1.5), false, time) : [],
              flags: 0,
              min: count === 0 ? undefined : median / 10,
              max: count === 0 ? undefined : median * 40,
            };
          }),
        },
      };
    case 'expHistogram':
      return {
        ...base,
        data: {
          type: 'exponentialHistogram',
          aggregationTemporality: AggregationTemporality.DELTA,
          dataPoints: series.map((_, i) => {
            const scale = rng.weighted([
              [-1, 1],
              [0, 1],
              [2, 3],
              [3, 6],
              [4, 4],
              [5, 2],
            ] as const);
            const nb = rng.range(0, 16);
            const buckets: bigint[] = [];
            let total = 0;
            for (let b = 0; b < nb; b++) {
              const c = rng.range(0, 30);
              buckets.push(BigInt(c));
              total += c;
            }
            const zeroCount = rng.chance(0.2) ? rng.range(1, 3) : 0;
            const minV = 0.0005 + rng.float() * 0.002;
            const offset = Math.floor(Math.log2(minV) * 2 ** scale);
            const count = total + zeroCount;
            return {
              attributes: attrs(i),
              startTimeUnixNano: prevTime,
              timeUnixNano: time,
              count: BigInt(count),
              sum: count === 0 ? undefined : total * minV * 3,
              scale,
              zeroCount: BigInt(zeroCount),
              positive: { offset, bucketCounts: buckets },
              negative: { offset: 0, bucketCounts: [] },
              flags: 0,
              exemplars: total > 0 && rng.chance(0.2) ? exemplars(ctx, 1, () => minV * 2, false, time) : [],
              min: count === 0 ? undefined : zeroCount > 0 ? 0 : minV,
              max: count === 0 ? undefined : minV * 2 ** (nb / 2 ** scale),
              zeroThreshold: 0,
            };
          }),
        },
      };
    case 'summary':
      return {
        ...base,
        data: {
          type: 'summary',
          dataPoints: series.map((_, i) => {
            const count = Math.round(rate(i) * step * 3);
            const p50 = 2 + rng.float() * 3;
            return {
              attributes: attrs(i),
              startTimeUnixNano: start,
              timeUnixNano: time,
              count: BigInt(count),
              sum: count * p50 * 1.4,
              quantileValues: [
                { quantile: 0, value: p50 / 4 },
                { quantile: 0.5, value: p50 },
                { quantile: 0.9, value: p50 * 3 },
                { quantile: 0.99, value: p50 * 8 },
                { quantile: 1, value: p50 * 20 },
              ],
              flags: 0,
            };
          }),
        },
      };
  }
}

/** Share of a log-normal latency distribution (around `median`) that falls in (lo, hi]. */
function cdfShare(median: number, lo: number, hi: number): number {
  const cdf = (x: number): number => (x <= 0 ? 0 : x === Infinity ? 1 : 0.5 * (1 + erf(Math.log(x / median) / (0.9 * Math.SQRT2))));
  return Math.max(0, cdf(hi) - cdf(lo));
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
