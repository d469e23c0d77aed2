package main

// Per-signal glue: one `signal` value per OTLP signal hides the pdata and
// arrow_record types behind `any`, so the subcommands are written once.

import (
	"fmt"
	"time"

	arrowpb "github.com/open-telemetry/otel-arrow/go/api/experimental/arrow/v1"
	"github.com/open-telemetry/otel-arrow/go/pkg/datagen"
	"github.com/open-telemetry/otel-arrow/go/pkg/otel/arrow_record"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

type signal struct {
	name string
	// Export<Signal>ServiceRequest protobuf bytes <-> pdata.
	unmarshal func([]byte) (any, error)
	marshal   func(any) ([]byte, error)
	// OTLP/JSON form, used by `equal`.
	toJSON func(any) ([]byte, error)
	// Spans, log records or metric data points.
	items  func(any) int
	encode func(*arrow_record.Producer, any) (*arrowpb.BatchArrowRecords, error)
	// decode returns every pdata object of one BAR merged into one value.
	decode func(*arrow_record.Consumer, *arrowpb.BatchArrowRecords) (any, error)
	// newGenerator returns a function producing batch i of about size items.
	newGenerator func(ent datagen.TestEntropy, profile string, size int) (func() any, error)
}

// Per unit of their batchSize argument, the standard generators emit 1 span
// (TraceGenerator.Spans builds three spans into the same slot, so only one is
// kept), 5 log records or 6 metrics; ceilDiv turns "about K items" into units.
func ceilDiv(k, per int) int {
	if k <= per {
		return 1
	}
	return (k + per - 1) / per
}

const collectInterval = time.Minute

var signals = map[string]*signal{
	"traces": {
		name: "traces",
		unmarshal: func(b []byte) (any, error) {
			req := ptraceotlp.NewExportRequest()
			if err := req.UnmarshalProto(b); err != nil {
				return nil, err
			}
			return req.Traces(), nil
		},
		marshal: func(v any) ([]byte, error) {
			return ptraceotlp.NewExportRequestFromTraces(v.(ptrace.Traces)).MarshalProto()
		},
		toJSON: func(v any) ([]byte, error) {
			return (&ptrace.JSONMarshaler{}).MarshalTraces(v.(ptrace.Traces))
		},
		items: func(v any) int { return v.(ptrace.Traces).SpanCount() },
		encode: func(p *arrow_record.Producer, v any) (*arrowpb.BatchArrowRecords, error) {
			return p.BatchArrowRecordsFromTraces(v.(ptrace.Traces))
		},
		decode: func(c *arrow_record.Consumer, bar *arrowpb.BatchArrowRecords) (any, error) {
			parts, err := c.TracesFrom(bar)
			if err != nil {
				return nil, err
			}
			out := ptrace.NewTraces()
			for _, p := range parts {
				p.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
			}
			return out, nil
		},
		newGenerator: func(ent datagen.TestEntropy, profile string, size int) (func() any, error) {
			switch profile {
			case "standard":
				g := datagen.NewTracesGenerator(ent, ent.NewStandardResourceAttributes(), ent.NewStandardInstrumentationScopes())
				return func() any { return g.Generate(max(1, size), collectInterval) }, nil
			case "random":
				// 4 resources x 4 scopes x uniform[1, n] spans: about 8(n+1) spans.
				g := datagen.NewTracesGenerator(ent, ent.NewRandomResourceAttributes(4), ent.NewRandomInstrumentationScopes(4))
				return func() any { return g.GenerateRandomTraces(max(1, size/8), collectInterval) }, nil
			}
			return nil, fmt.Errorf("unknown profile %q", profile)
		},
	},
	"logs": {
		name: "logs",
		unmarshal: func(b []byte) (any, error) {
			req := plogotlp.NewExportRequest()
			if err := req.UnmarshalProto(b); err != nil {
				return nil, err
			}
			return req.Logs(), nil
		},
		marshal: func(v any) ([]byte, error) {
			return plogotlp.NewExportRequestFromLogs(v.(plog.Logs)).MarshalProto()
		},
		toJSON: func(v any) ([]byte, error) {
			return (&plog.JSONMarshaler{}).MarshalLogs(v.(plog.Logs))
		},
		items: func(v any) int { return v.(plog.Logs).LogRecordCount() },
		encode: func(p *arrow_record.Producer, v any) (*arrowpb.BatchArrowRecords, error) {
			return p.BatchArrowRecordsFromLogs(v.(plog.Logs))
		},
		decode: func(c *arrow_record.Consumer, bar *arrowpb.BatchArrowRecords) (any, error) {
			parts, err := c.LogsFrom(bar)
			if err != nil {
				return nil, err
			}
			out := plog.NewLogs()
			for _, p := range parts {
				p.ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
			}
			return out, nil
		},
		newGenerator: func(ent datagen.TestEntropy, profile string, size int) (func() any, error) {
			// LogsGenerator always uses the first resource and scope of its lists
			// (its generation counter never advances), so put a non-empty one first.
			switch profile {
			case "standard":
				g := datagen.NewLogsGenerator(ent, ent.NewSingleResourceAttributes(), ent.NewStandardInstrumentationScopes())
				return func() any { return g.Generate(ceilDiv(size, 5), collectInterval) }, nil
			case "random":
				res := ent.NewRandomResourceAttributes(4)
				scopes := ent.NewRandomInstrumentationScopes(4)
				g := datagen.NewLogsGenerator(ent, res[1:], scopes[2:]) // entries with random attributes
				return func() any { return g.Generate(ceilDiv(size, 5), collectInterval) }, nil
			}
			return nil, fmt.Errorf("unknown profile %q", profile)
		},
	},
	"metrics": {
		name: "metrics",
		unmarshal: func(b []byte) (any, error) {
			req := pmetricotlp.NewExportRequest()
			if err := req.UnmarshalProto(b); err != nil {
				return nil, err
			}
			return req.Metrics(), nil
		},
		marshal: func(v any) ([]byte, error) {
			return pmetricotlp.NewExportRequestFromMetrics(v.(pmetric.Metrics)).MarshalProto()
		},
		toJSON: func(v any) ([]byte, error) {
			return (&pmetric.JSONMarshaler{}).MarshalMetrics(v.(pmetric.Metrics))
		},
		items: func(v any) int { return v.(pmetric.Metrics).DataPointCount() },
		encode: func(p *arrow_record.Producer, v any) (*arrowpb.BatchArrowRecords, error) {
			return p.BatchArrowRecordsFromMetrics(v.(pmetric.Metrics))
		},
		decode: func(c *arrow_record.Consumer, bar *arrowpb.BatchArrowRecords) (any, error) {
			parts, err := c.MetricsFrom(bar)
			if err != nil {
				return nil, err
			}
			out := pmetric.NewMetrics()
			for _, p := range parts {
				p.ResourceMetrics().MoveAndAppendTo(out.ResourceMetrics())
			}
			return out, nil
		},
		newGenerator: func(ent datagen.TestEntropy, profile string, size int) (func() any, error) {
			switch profile {
			case "standard":
				g := datagen.NewMetricsGenerator(ent, ent.NewStandardResourceAttributes(), ent.NewStandardInstrumentationScopes())
				return func() any { return g.GenerateAllKindOfMetrics(ceilDiv(size, 6), collectInterval) }, nil
			case "random":
				// 4 resources x 4 scopes x uniform[1, n] rounds of ~3 metrics each.
				g := datagen.NewMetricsGenerator(ent, ent.NewRandomResourceAttributes(4), ent.NewRandomInstrumentationScopes(4))
				return func() any { return g.GenerateRandomMetrics(max(1, size/24), collectInterval) }, nil
			}
			return nil, fmt.Errorf("unknown profile %q", profile)
		},
	},
}

func lookupSignal(name string) (*signal, error) {
	s, ok := signals[name]
	if !ok {
		return nil, fmt.Errorf("unknown --signal %q (want traces, logs or metrics)", name)
	}
	return s, nil
}
