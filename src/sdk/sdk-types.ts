// The parts of the OpenTelemetry JS SDK's objects the exporters read, typed structurally so
// the package works with SDK 2.x and 3.x (@opentelemetry/sdk-trace-base / sdk-trace,
// sdk-logs, sdk-metrics) without importing them.

/** [seconds, nanoseconds] since the epoch. */
export type HrTime = readonly [number, number];

export type SdkAttributes = Readonly<Record<string, unknown>>;

export interface SdkResource {
  readonly attributes: SdkAttributes;
  readonly schemaUrl?: string;
}

export interface SdkScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
  readonly attributes?: SdkAttributes;
  readonly droppedAttributesCount?: number;
}

export interface SdkSpanContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly isRemote?: boolean;
  readonly traceState?: { serialize(): string };
}

export interface SdkSpan {
  readonly name: string;
  readonly kind: number;
  spanContext(): SdkSpanContext;
  readonly parentSpanContext?: SdkSpanContext;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: { readonly code: number; readonly message?: string };
  readonly attributes: SdkAttributes;
  readonly links: ReadonlyArray<{ readonly context: SdkSpanContext; readonly attributes?: SdkAttributes; readonly droppedAttributesCount?: number }>;
  readonly events: ReadonlyArray<{ readonly time: HrTime; readonly name: string; readonly attributes?: SdkAttributes; readonly droppedAttributesCount?: number }>;
  readonly resource: SdkResource;
  readonly instrumentationScope: SdkScope;
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

export interface SdkLogRecord {
  readonly hrTime: HrTime;
  readonly hrTimeObserved: HrTime;
  readonly spanContext?: SdkSpanContext;
  readonly severityText?: string;
  readonly severityNumber?: number;
  readonly body?: unknown;
  readonly eventName?: string;
  readonly resource: SdkResource;
  readonly instrumentationScope: SdkScope;
  readonly attributes: SdkAttributes;
  readonly droppedAttributesCount: number;
}

/** The SDK's ExportResult: code 0 = SUCCESS, 1 = FAILED. */
export interface SdkExportResult {
  code: 0 | 1;
  error?: Error;
}
