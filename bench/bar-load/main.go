// Command bar-load is the load and the downstream of bench/pipeline's worker-scaling rounds:
// an OTAP sender replaying pre-encoded BatchArrowRecords and an ack-only OTAP sink, in one
// Go process that the benchmark pins to the load's CPU. On a 2-core machine the load shares
// a core with the second worker, so what it costs per batch caps the measured scaling; gRPC
// in Go with messages passed through as bytes (no protobuf, no Arrow) costs a fraction of
// the Node load (bench/bar-replay.ts, bench/bar-ack-sink.ts) it stands in for.
//
// Driven line by line on stdin, answering each command with one line on stdout:
//
//	(at start)                                   -> "sink <port>"
//	client <id> <host:port> <path> <bars file> <records per batch> <connections> <streams per connection>
//	                                             -> "ok"
//	run <seconds> <in flight per connection> <id>...
//	                                             -> "done <records> <seconds>"
//	close <id>                                   -> "ok"
//
// The bars file holds one encoder's stream of BatchArrowRecords (batch ids 0, 1, ...), each
// as a uint32 LE length and the message. Each stream replays it from the first message (which
// carries the schemas) and a stream that reaches its end is closed and replaced, so batch ids
// on a stream always count up from 0. The sink relies on that, as OTAP exporters number
// their batches so (ours and the Go one): it answers the n-th message of a stream with
// BatchStatus { batch_id: n, OK } without decompressing or decoding it.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
)

// rawCodec passes messages through as bytes, without copies: a sent message is the frame
// itself (never modified), a received one is read in place (BatchStatus) or not at all
// (what the sink receives).
type rawCodec struct{ read bool }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*(v.(*[]byte)))}, nil
}

func (c rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if c.read {
		p := v.(*[]byte)
		*p = data.Materialize()
	}
	return nil
}

func (rawCodec) Name() string { return "proto" }

const maxMessage = 1 << 30

// scanStatus reads a BatchStatus: batch_id (1), status_code (2) and status_message (3).
func scanStatus(msg []byte) (id uint64, code uint64, text string, err error) {
	for len(msg) > 0 {
		key, n := binary.Uvarint(msg)
		if n <= 0 {
			return 0, 0, "", errors.New("bad field key")
		}
		msg = msg[n:]
		switch key & 7 {
		case 0:
			v, n := binary.Uvarint(msg)
			if n <= 0 {
				return 0, 0, "", errors.New("bad varint")
			}
			msg = msg[n:]
			switch key >> 3 {
			case 1:
				id = v
			case 2:
				code = v
			}
		case 2:
			l, n := binary.Uvarint(msg)
			if n <= 0 || uint64(len(msg)-n) < l {
				return 0, 0, "", errors.New("bad length")
			}
			if key>>3 == 3 {
				text = string(msg[n : n+int(l)])
			}
			msg = msg[n+int(l):]
		default:
			return 0, 0, "", errors.New("unexpected wire type")
		}
	}
	return id, code, text, nil
}

func sinkHandler(_ any, stream grpc.ServerStream) error {
	// Answers uncompressed whatever the exporter sends with.
	if err := grpc.SetSendCompressor(stream.Context(), "identity"); err != nil {
		return err
	}
	var msg []byte
	for id := uint64(0); ; id++ {
		if err := stream.RecvMsg(&msg); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		out := binary.AppendUvarint([]byte{0x08}, id)
		if err := stream.SendMsg(&out); err != nil {
			return err
		}
	}
}

// unreadZstd stands in for gRPC's zstd message compression on the sink side: a message's
// bytes are handed over still compressed, as the sink never reads them.
type unreadZstd struct{}

func (unreadZstd) Name() string { return "zstd" }
func (unreadZstd) Compress(io.Writer) (io.WriteCloser, error) {
	return nil, errors.New("bar-load sends uncompressed")
}
func (unreadZstd) Decompress(r io.Reader) (io.Reader, error) { return r, nil }

type client struct {
	conns           []*grpc.ClientConn
	path            string
	frames          [][]byte
	recordsPerBatch int64
	streams         int
}

func readFrames(file string) ([][]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(b) >= 4 {
		n := binary.LittleEndian.Uint32(b)
		if uint64(len(b)-4) < uint64(n) {
			return nil, fmt.Errorf("%s: truncated frame", file)
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no messages", file)
	}
	return out, nil
}

// replay keeps `window` messages in flight on successive streams of conn until stop closes,
// adding the records of every acknowledged message to acked.
func (c *client) replay(conn *grpc.ClientConn, window int, stop <-chan struct{}, acked *atomic.Int64) error {
	desc := &grpc.StreamDesc{StreamName: "stream", ServerStreams: true, ClientStreams: true}
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		ctx, cancel := context.WithCancel(context.Background())
		st, err := conn.NewStream(ctx, desc, c.path, grpc.ForceCodecV2(rawCodec{read: true}))
		if err != nil {
			cancel()
			return err
		}
		tokens := make(chan struct{}, window)
		for i := 0; i < window; i++ {
			tokens <- struct{}{}
		}
		recvDone := make(chan error, 1)
		go func() {
			var msg []byte
			for {
				if err := st.RecvMsg(&msg); err != nil {
					if err == io.EOF {
						err = nil
					}
					recvDone <- err
					return
				}
				_, code, text, err := scanStatus(msg)
				if err == nil && code != 0 {
					err = fmt.Errorf("batch refused: status %d %s", code, text)
				}
				if err != nil {
					recvDone <- err
					return
				}
				acked.Add(c.recordsPerBatch)
				tokens <- struct{}{}
			}
		}()
	send:
		for _, f := range c.frames {
			select {
			case <-stop:
				break send
			case <-tokens:
			}
			if err := st.SendMsg(&f); err != nil {
				break // the receiving side reports why
			}
		}
		// Every sent batch answered (all tokens back), then the stream ends.
		for i := 0; i < window; i++ {
			select {
			case <-tokens:
			case err := <-recvDone:
				cancel()
				if err == nil {
					err = errors.New("stream ended with batches unanswered")
				}
				return err
			}
		}
		_ = st.CloseSend()
		err = <-recvDone
		cancel()
		if err != nil {
			return err
		}
	}
}

func main() {
	encoding.RegisterCompressor(unreadZstd{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bar-load:", err)
		os.Exit(1)
	}
	srv := grpc.NewServer(grpc.ForceServerCodecV2(rawCodec{read: false}), grpc.UnknownServiceHandler(sinkHandler),
		grpc.MaxRecvMsgSize(maxMessage), grpc.InitialWindowSize(1<<30), grpc.InitialConnWindowSize(1<<30))
	go func() { _ = srv.Serve(lis) }()
	fmt.Printf("sink %d\n", lis.Addr().(*net.TCPAddr).Port)

	clients := map[string]*client{}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		answer, err := command(f, clients)
		if err != nil {
			fmt.Printf("error %s\n", err)
			continue
		}
		fmt.Println(answer)
	}
	srv.Stop()
}

func command(f []string, clients map[string]*client) (string, error) {
	switch {
	case f[0] == "client" && len(f) == 8:
		frames, err := readFrames(f[4])
		if err != nil {
			return "", err
		}
		records, err1 := strconv.ParseInt(f[5], 10, 64)
		nconn, err2 := strconv.Atoi(f[6])
		streams, err3 := strconv.Atoi(f[7])
		if err := errors.Join(err1, err2, err3); err != nil {
			return "", err
		}
		c := &client{path: f[3], frames: frames, recordsPerBatch: records, streams: streams}
		for i := 0; i < nconn; i++ {
			conn, err := grpc.NewClient(f[2], grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithInitialWindowSize(1<<30), grpc.WithInitialConnWindowSize(1<<30))
			if err != nil {
				return "", err
			}
			c.conns = append(c.conns, conn)
		}
		clients[f[1]] = c
		return "ok", nil
	case f[0] == "run" && len(f) >= 4:
		seconds, err1 := strconv.ParseFloat(f[1], 64)
		inflight, err2 := strconv.Atoi(f[2])
		if err := errors.Join(err1, err2); err != nil {
			return "", err
		}
		var acked atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failures []error
		t0 := time.Now()
		for _, id := range f[3:] {
			c := clients[id]
			if c == nil {
				return "", fmt.Errorf("no client %s", id)
			}
			window := max(1, inflight/c.streams)
			for _, conn := range c.conns {
				for s := 0; s < c.streams; s++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := c.replay(conn, window, stop, &acked); err != nil {
							mu.Lock()
							failures = append(failures, err)
							mu.Unlock()
						}
					}()
				}
			}
		}
		time.Sleep(time.Duration(seconds * float64(time.Second)))
		close(stop)
		wg.Wait()
		if len(failures) > 0 {
			return "", errors.Join(failures...)
		}
		return fmt.Sprintf("done %d %.6f", acked.Load(), time.Since(t0).Seconds()), nil
	case f[0] == "close" && len(f) == 2:
		if c := clients[f[1]]; c != nil {
			for _, conn := range c.conns {
				_ = conn.Close()
			}
			delete(clients, f[1])
		}
		return "ok", nil
	}
	return "", fmt.Errorf("unknown command %q", strings.Join(f, " "))
}
