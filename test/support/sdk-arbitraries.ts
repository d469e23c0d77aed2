// fast-check generators of OpenTelemetry JS SDK objects (ReadableSpan / ReadableLogRecord
// shapes) for the SDK columns tests: a few shared resources and scopes (the SDK shares them
// by reference), attributes of every SDK value kind, events, links, remote parents.
import fc from 'fast-check';
import type { HrTime, SdkLogRecord, SdkResource, SdkScope, SdkSpan, SdkSpanContext } from '../../src/sdk/sdk-types.js';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const key = fc.constantFrom('http.method', 'http.route', 'user.id', 'k', 'ünï', 'n', 'list', 'flag');
const int = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const primitive = fc.oneof(text, int, fc.double(), fc.boolean());
const attrValue = fc.oneof(
  { weight: 6, arbitrary: primitive },
  { weight: 1, arbitrary: fc.array(primitive, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const attributes = fc.dictionary(key, attrValue, { maxKeys: 5 });

/** Any value a log body may hold (nested maps and arrays, bytes, null). */
const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    primitive, fc.uint8Array({ maxLength: 4 }), fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 3 }),
  ),
})).v;

// Valid ids are never all zeros (FORMAT.md writes absent ids as zeros).
const hex = (n: number) => fc.tuple(fc.integer({ min: 1, max: 255 }), fc.uint8Array({ minLength: n - 1, maxLength: n - 1 }))
  .map(([first, rest]) => Buffer.from([first, ...rest]).toString('hex'));
const hrTime: fc.Arbitrary<HrTime> = fc.tuple(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 999_999_999 }));
const traceState = fc.option(fc.constantFrom('a=1', 'vendor=x,b=2').map((s) => ({ serialize: () => s })), { nil: undefined });
const spanContext: fc.Arbitrary<SdkSpanContext> = fc.record({
  traceId: hex(16), spanId: hex(8), traceFlags: fc.integer({ min: 0, max: 255 }),
  isRemote: fc.option(fc.boolean(), { nil: undefined }), traceState,
}, { requiredKeys: ['traceId', 'spanId', 'traceFlags'] });

const resources: fc.Arbitrary<SdkResource[]> = fc.array(
  fc.record({ attributes, schemaUrl: fc.option(fc.constantFrom('https://opentelemetry.io/schemas/1.30.0'), { nil: undefined }) }),
  { minLength: 1, maxLength: 3 },
);
const scopes: fc.Arbitrary<SdkScope[]> = fc.array(
  fc.record({
    name: fc.constantFrom('http', 'db', 'app'), version: fc.option(fc.constantFrom('1.0.0', '2.1'), { nil: undefined }),
    schemaUrl: fc.option(fc.constant('https://example.com/s'), { nil: undefined }), attributes: fc.option(attributes, { nil: undefined }),
  }),
  { minLength: 1, maxLength: 3 },
);

/** Items pointing at shared resource and scope objects. */
function withRoots<T>(item: fc.Arbitrary<T>, make: (item: T, resource: SdkResource, scope: SdkScope) => unknown) {
  return fc.tuple(resources, scopes, fc.array(fc.tuple(item, fc.nat(), fc.nat()), { maxLength: 12 }))
    .map(([rs, ss, items]) => items.map(([it, r, s]) => make(it, rs[r % rs.length]!, ss[s % ss.length]!)));
}

const spanFields = fc.record({
  name: text, kind: fc.integer({ min: 0, max: 4 }), ctx: spanContext, parent: fc.option(spanContext, { nil: undefined }),
  startTime: hrTime, endTime: hrTime,
  status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.option(text, { nil: undefined }) }),
  attributes,
  links: fc.array(fc.record({ context: spanContext, attributes: fc.option(attributes, { nil: undefined }), droppedAttributesCount: fc.option(fc.nat(5), { nil: undefined }) }), { maxLength: 2 }),
  events: fc.array(fc.record({ time: hrTime, name: text, attributes: fc.option(attributes, { nil: undefined }), droppedAttributesCount: fc.option(fc.nat(5), { nil: undefined }) }), { maxLength: 3 }),
  dropped: fc.tuple(fc.nat(9), fc.nat(9), fc.nat(9)),
});

export function arbSpans(): fc.Arbitrary<SdkSpan[]> {
  return withRoots(spanFields, (f, resource, instrumentationScope): SdkSpan => ({
    name: f.name, kind: f.kind, spanContext: () => f.ctx, parentSpanContext: f.parent, startTime: f.startTime, endTime: f.endTime,
    status: f.status, attributes: f.attributes, links: f.links, events: f.events, resource, instrumentationScope,
    droppedAttributesCount: f.dropped[0], droppedEventsCount: f.dropped[1], droppedLinksCount: f.dropped[2],
  })) as fc.Arbitrary<SdkSpan[]>;
}

const logFields = fc.record({
  hrTime, hrTimeObserved: hrTime, spanContext: fc.option(spanContext, { nil: undefined }),
  severityText: fc.option(fc.constantFrom('INFO', 'WARN', 'ERROR'), { nil: undefined }),
  severityNumber: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined }),
  body: fc.option(anyValue, { nil: undefined }), eventName: fc.option(text, { nil: undefined }),
  attributes, droppedAttributesCount: fc.nat(9),
});

export function arbLogRecords(): fc.Arbitrary<SdkLogRecord[]> {
  return withRoots(logFields, (f, resource, instrumentationScope): SdkLogRecord => ({ ...f, resource, instrumentationScope })) as fc.Arbitrary<SdkLogRecord[]>;
}
