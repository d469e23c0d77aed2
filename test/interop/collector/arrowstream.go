package main

// The `arrowstream` exporter: our own minimal OTel Arrow (OTAP) gRPC stream
// exporter, standing in for the contrib `otelarrow` exporter, which the module
// proxy reachable here does not serve (see README.md). It is written against
// the public producer API of github.com/open-telemetry/otel-arrow/go (the same
// version the otelarrowreceiver v0.148.0 uses) and speaks the same wire
// protocol: bidirectional ArrowTraces/ArrowLogs/ArrowMetrics streams carrying
// BatchArrowRecords with increasing batch_id, answered by one BatchStatus per
// batch. Defaults follow the contrib exporter's documented ones: gRPC zstd
// compression (the "zstdarrow5" compressor on the streams), Arrow IPC payload zstd, num_streams = max(1, NumCPU/2),
// max_stream_lifetime 30s, a blocking queue that waits for the result.
// It has no OTLP downgrade and no per-batch headers.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	arrowpb "github.com/open-telemetry/otel-arrow/go/api/experimental/arrow/v1"
	arrowcfg "github.com/open-telemetry/otel-arrow/go/pkg/config"
	"github.com/open-telemetry/otel-arrow/go/pkg/otel/arrow_record"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"
)

const arrowStreamTypeStr = "arrowstream"

// arrowStreamConfig is the exporter's configuration (`arrowstream:` in YAML).
type arrowStreamConfig struct {
	TimeoutConfig exporterhelper.TimeoutConfig                             `mapstructure:",squash"`
	QueueConfig   configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig   configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`
	ClientConfig  configgrpc.ClientConfig                                  `mapstructure:",squash"`
	Arrow         arrowStreamSettings                                      `mapstructure:"arrow"`
}

type arrowStreamSettings struct {
	// NumStreams is the number of concurrent Arrow streams.
	NumStreams int `mapstructure:"num_streams"`
	// MaxStreamLifetime ends a stream (after its pending batches are
	// answered) and opens a new one with a fresh producer; 0-5% jitter is
	// subtracted.
	MaxStreamLifetime time.Duration `mapstructure:"max_stream_lifetime"`
	// PayloadCompression is "zstd" (Arrow IPC body compression) or "none".
	PayloadCompression configcompression.Type `mapstructure:"payload_compression"`
	// Zstd selects the gRPC compressor of the Arrow streams when `compression:
	// zstd`: like the contrib exporter, they use the "zstdarrow<level>"
	// compressors that the contrib otelarrow packages register with gRPC
	// (default level 5, so grpc-encoding "zstdarrow5"), not configgrpc's "zstd".
	Zstd arrowStreamZstd `mapstructure:"zstd"`
}

type arrowStreamZstd struct {
	// Level 1..10; default 5.
	Level uint `mapstructure:"level"`
}

func (c *arrowStreamConfig) Validate() error {
	if c.ClientConfig.Endpoint == "" {
		return errors.New(`requires a non-empty "endpoint"`)
	}
	if c.Arrow.NumStreams < 1 {
		return errors.New("arrow.num_streams must be at least 1")
	}
	if c.Arrow.MaxStreamLifetime <= 0 {
		return errors.New("arrow.max_stream_lifetime must be positive")
	}
	if c.Arrow.Zstd.Level < 1 || c.Arrow.Zstd.Level > 10 {
		return errors.New("arrow.zstd.level must be in 1..10")
	}
	switch c.Arrow.PayloadCompression {
	case "", "none", configcompression.TypeZstd:
	default:
		return fmt.Errorf("arrow.payload_compression %q: want zstd or none", c.Arrow.PayloadCompression)
	}
	return nil
}

func newArrowStreamFactory() exporter.Factory {
	return exporter.NewFactory(
		component.MustNewType(arrowStreamTypeStr),
		defaultArrowStreamConfig,
		exporter.WithTraces(createArrowStreamTraces, component.StabilityLevelDevelopment),
		exporter.WithLogs(createArrowStreamLogs, component.StabilityLevelDevelopment),
		exporter.WithMetrics(createArrowStreamMetrics, component.StabilityLevelDevelopment),
	)
}

func defaultArrowStreamConfig() component.Config {
	numStreams := max(1, runtime.NumCPU()/2)
	client := configgrpc.NewDefaultClientConfig()
	client.Compression = configcompression.TypeZstd
	client.WriteBufferSize = 512 * 1024
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.WaitForResult = true
	queue.BlockOnOverflow = true
	queue.Sizer = exporterhelper.RequestSizerTypeItems
	queue.QueueSize = 100_000
	queue.NumConsumers = 10 * numStreams
	queue.Batch = configoptional.Some(exporterhelper.BatchConfig{
		FlushTimeout: time.Second,
		Sizer:        exporterhelper.RequestSizerTypeItems,
		MinSize:      1000,
		MaxSize:      1500,
	})
	return &arrowStreamConfig{
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(queue),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
		ClientConfig:  client,
		Arrow: arrowStreamSettings{
			NumStreams:         numStreams,
			MaxStreamLifetime:  30 * time.Second,
			PayloadCompression: configcompression.TypeZstd,
			Zstd:               arrowStreamZstd{Level: 5},
		},
	}
}

// anyArrowStream is what the three generated stream clients have in common.
type anyArrowStream interface {
	Send(*arrowpb.BatchArrowRecords) error
	Recv() (*arrowpb.BatchStatus, error)
	grpc.ClientStream
}

type openStreamFunc func(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) (anyArrowStream, error)

type encodeFunc func(p *arrow_record.Producer, data any) (*arrowpb.BatchArrowRecords, error)

// work is one export waiting for its BatchStatus.
type work struct {
	data any
	done chan error // buffered, 1
}

type arrowStreamExporter struct {
	cfg    *arrowStreamConfig
	set    exporter.Settings
	open   openStreamFunc
	encode encodeFunc

	conn     *grpc.ClientConn
	callOpts []grpc.CallOption
	queue    chan *work
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	streamsOpened atomic.Int64
	batchesSent   atomic.Int64
}

func newArrowStreamExporter(cfg component.Config, set exporter.Settings, open openStreamFunc, encode encodeFunc) *arrowStreamExporter {
	ctx, cancel := context.WithCancel(context.Background())
	return &arrowStreamExporter{
		cfg: cfg.(*arrowStreamConfig), set: set, open: open, encode: encode,
		queue: make(chan *work), ctx: ctx, cancel: cancel,
	}
}

func (e *arrowStreamExporter) start(ctx context.Context, host component.Host) error {
	conn, err := e.cfg.ClientConfig.ToClientConn(ctx, host.GetExtensions(), e.set.TelemetrySettings)
	if err != nil {
		return err
	}
	e.conn = conn
	if e.cfg.ClientConfig.Compression == configcompression.TypeZstd {
		name := fmt.Sprint("zstdarrow", e.cfg.Arrow.Zstd.Level)
		if encoding.GetCompressor(name) == nil {
			return fmt.Errorf("gRPC compressor %q is not registered", name)
		}
		e.callOpts = append(e.callOpts, grpc.UseCompressor(name))
	}
	for i := 0; i < e.cfg.Arrow.NumStreams; i++ {
		e.wg.Add(1)
		go e.streamLoop()
	}
	return nil
}

func (e *arrowStreamExporter) shutdown(context.Context) error {
	e.cancel()
	e.wg.Wait()
	e.set.Logger.Info("arrowstream exporter stopped",
		zap.Int64("streams_opened", e.streamsOpened.Load()),
		zap.Int64("batches_sent", e.batchesSent.Load()))
	if e.conn != nil {
		return e.conn.Close()
	}
	return nil
}

// export hands data to whichever stream is free and waits for its status.
func (e *arrowStreamExporter) export(ctx context.Context, data any) error {
	w := &work{data: data, done: make(chan error, 1)}
	select {
	case e.queue <- w:
	case <-ctx.Done():
		return ctx.Err()
	case <-e.ctx.Done():
		return errors.New("arrowstream exporter is shut down")
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// streamLoop keeps one stream slot busy: it runs streams back to back,
// pausing briefly after a failed one.
func (e *arrowStreamExporter) streamLoop() {
	defer e.wg.Done()
	backoff := 100 * time.Millisecond
	for e.ctx.Err() == nil {
		started := time.Now()
		err := e.runStream()
		if err == nil || time.Since(started) > 5*time.Second {
			backoff = 100 * time.Millisecond
			continue
		}
		e.set.Logger.Warn("arrow stream failed", zap.Error(err))
		select {
		case <-time.After(backoff):
		case <-e.ctx.Done():
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (e *arrowStreamExporter) newProducer() *arrow_record.Producer {
	if e.cfg.Arrow.PayloadCompression == configcompression.TypeZstd {
		return arrow_record.NewProducerWithOptions(arrowcfg.WithZstd())
	}
	return arrow_record.NewProducerWithOptions(arrowcfg.WithNoZstd())
}

// runStream runs one stream until its lifetime ends (nil) or it breaks.
func (e *arrowStreamExporter) runStream() error {
	sctx, cancel := context.WithCancel(e.ctx)
	defer cancel()

	// Wait for one export before opening the stream, so that an idle
	// exporter holds no stream and a lifetime starts with traffic.
	var first *work
	select {
	case first = <-e.queue:
	case <-e.ctx.Done():
		return nil
	}

	stream, err := e.open(sctx, e.conn, e.callOpts...)
	if err != nil {
		first.done <- err // not permanent: exporterhelper retries
		return err
	}
	e.streamsOpened.Add(1)
	producer := e.newProducer()
	defer func() { _ = producer.Close() }()

	var mu sync.Mutex
	waiting := map[int64]chan error{}
	failAll := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		for id, ch := range waiting {
			ch <- err
			delete(waiting, id)
		}
	}

	readerDone := make(chan error, 1)
	go func() {
		for {
			st, err := stream.Recv()
			if err != nil {
				readerDone <- err
				return
			}
			mu.Lock()
			ch := waiting[st.BatchId]
			delete(waiting, st.BatchId)
			mu.Unlock()
			if ch == nil {
				readerDone <- fmt.Errorf("status for unknown batch_id %d", st.BatchId)
				return
			}
			ch <- statusError(st)
		}
	}()

	lifetime := e.cfg.Arrow.MaxStreamLifetime
	lifetime -= time.Duration(rand.Float64() * 0.05 * float64(lifetime))
	timer := time.NewTimer(lifetime)
	defer timer.Stop()

	var nextID int64
	// send encodes and sends one export. It reports whether the stream can
	// go on; after a failed encode the producer's state is unknown, so the
	// stream is drained and replaced.
	send := func(w *work) (ok bool, err error) {
		bar, err := e.encode(producer, w.data)
		if err != nil {
			w.done <- consumererror.NewPermanent(fmt.Errorf("arrow encode: %w", err))
			return false, nil
		}
		bar.BatchId = nextID
		nextID++
		mu.Lock()
		waiting[bar.BatchId] = w.done
		mu.Unlock()
		if err := stream.Send(bar); err != nil {
			return false, err
		}
		e.batchesSent.Add(1)
		return true, nil
	}

	w := first
	for w != nil {
		ok, err := send(w)
		if err != nil {
			// A Send error is io.EOF when the server ended the stream; the
			// status itself comes from Recv.
			select {
			case rerr := <-readerDone:
				if rerr != io.EOF {
					err = rerr
				}
			case <-time.After(5 * time.Second):
			}
			failAll(err)
			return err
		}
		if !ok {
			break
		}
		w = nil
		select {
		case w = <-e.queue:
		case err := <-readerDone:
			if err == io.EOF {
				err = errors.New("arrow stream closed by the receiver")
			}
			failAll(err)
			return err
		case <-timer.C:
		case <-e.ctx.Done():
		}
	}

	// Lifetime over (or shutting down, or a failed encode): half-close, then
	// let the reader collect the statuses of the batches still in flight.
	_ = stream.CloseSend()
	select {
	case err := <-readerDone:
		if err != io.EOF {
			failAll(err)
			return err
		}
		failAll(errors.New("arrow stream ended before its status"))
		return nil
	case <-time.After(e.cfg.TimeoutConfig.Timeout + time.Second):
		failAll(errors.New("arrow stream: no status before the timeout"))
		return errors.New("arrow stream: receiver did not end the stream after CloseSend")
	}
}

func statusError(st *arrowpb.BatchStatus) error {
	switch st.StatusCode {
	case arrowpb.StatusCode_OK:
		return nil
	case arrowpb.StatusCode_UNAVAILABLE, arrowpb.StatusCode_RESOURCE_EXHAUSTED,
		arrowpb.StatusCode_ABORTED, arrowpb.StatusCode_CANCELED, arrowpb.StatusCode_DEADLINE_EXCEEDED:
		return status.Error(codes.Code(st.StatusCode), st.StatusMessage)
	default:
		return consumererror.NewPermanent(status.Error(codes.Code(st.StatusCode), st.StatusMessage))
	}
}

func tracesStream(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) (anyArrowStream, error) {
	return arrowpb.NewArrowTracesServiceClient(conn).ArrowTraces(ctx, opts...)
}

func logsStream(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) (anyArrowStream, error) {
	return arrowpb.NewArrowLogsServiceClient(conn).ArrowLogs(ctx, opts...)
}

func metricsStream(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) (anyArrowStream, error) {
	return arrowpb.NewArrowMetricsServiceClient(conn).ArrowMetrics(ctx, opts...)
}

func helperOptions(e *arrowStreamExporter) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(e.cfg.TimeoutConfig),
		exporterhelper.WithRetry(e.cfg.RetryConfig),
		exporterhelper.WithQueue(e.cfg.QueueConfig),
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
	}
}

func createArrowStreamTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	e := newArrowStreamExporter(cfg, set, tracesStream, func(p *arrow_record.Producer, d any) (*arrowpb.BatchArrowRecords, error) {
		return p.BatchArrowRecordsFromTraces(d.(ptrace.Traces))
	})
	return exporterhelper.NewTraces(ctx, set, cfg,
		func(ctx context.Context, td ptrace.Traces) error { return e.export(ctx, td) },
		helperOptions(e)...)
}

func createArrowStreamLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	e := newArrowStreamExporter(cfg, set, logsStream, func(p *arrow_record.Producer, d any) (*arrowpb.BatchArrowRecords, error) {
		return p.BatchArrowRecordsFromLogs(d.(plog.Logs))
	})
	return exporterhelper.NewLogs(ctx, set, cfg,
		func(ctx context.Context, ld plog.Logs) error { return e.export(ctx, ld) },
		helperOptions(e)...)
}

func createArrowStreamMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	e := newArrowStreamExporter(cfg, set, metricsStream, func(p *arrow_record.Producer, d any) (*arrowpb.BatchArrowRecords, error) {
		return p.BatchArrowRecordsFromMetrics(d.(pmetric.Metrics))
	})
	return exporterhelper.NewMetrics(ctx, set, cfg,
		func(ctx context.Context, md pmetric.Metrics) error { return e.export(ctx, md) },
		helperOptions(e)...)
}
