// Cross-check helper for test/otap/cbor.test.ts: reads one JSON-described AnyValue per line on
// stdin and prints the hex of its CBOR encoding, produced the way the Go OTAP producer does it
// (fxamacker/cbor v2.9.2, EncOptions{Sort: SortCanonical}, maps and slices streamed as
// indefinite-length containers, pdata semantics for empty byte slices).
//
// JSON form: {"t":"e"} empty, {"t":"s","v":"text"}, {"t":"b","v":true}, {"t":"i","v":"-12"},
// {"t":"d","v":"<16 hex digits of the float64 bits>"}, {"t":"y","v":"<hex bytes>"},
// {"t":"a","v":[values]}, {"t":"m","v":[{"k":"key","v":value}]}.
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/fxamacker/cbor/v2"
)

type value struct {
	T string          `json:"t"`
	V json.RawMessage `json:"v"`
}

type entry struct {
	K string `json:"k"`
	V value  `json:"v"`
}

func write(enc *cbor.Encoder, v *value) error {
	switch v.T {
	case "e":
		return enc.Encode(nil)
	case "s":
		var s string
		if err := json.Unmarshal(v.V, &s); err != nil {
			return err
		}
		return enc.Encode(s)
	case "b":
		var b bool
		if err := json.Unmarshal(v.V, &b); err != nil {
			return err
		}
		return enc.Encode(b)
	case "i":
		var s string
		if err := json.Unmarshal(v.V, &s); err != nil {
			return err
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		return enc.Encode(n)
	case "d":
		var s string
		if err := json.Unmarshal(v.V, &s); err != nil {
			return err
		}
		bits, err := strconv.ParseUint(s, 16, 64)
		if err != nil {
			return err
		}
		return enc.Encode(math.Float64frombits(bits))
	case "y":
		var s string
		if err := json.Unmarshal(v.V, &s); err != nil {
			return err
		}
		raw, err := hex.DecodeString(s)
		if err != nil {
			return err
		}
		// pdata's ByteSlice.AsRaw() appends to a nil slice: an empty value stays nil.
		var b []byte
		b = append(b, raw...)
		return enc.Encode(b)
	case "a":
		var items []value
		if err := json.Unmarshal(v.V, &items); err != nil {
			return err
		}
		if err := enc.StartIndefiniteArray(); err != nil {
			return err
		}
		for i := range items {
			if err := write(enc, &items[i]); err != nil {
				return err
			}
		}
		return enc.EndIndefinite()
	case "m":
		var entries []entry
		if err := json.Unmarshal(v.V, &entries); err != nil {
			return err
		}
		if err := enc.StartIndefiniteMap(); err != nil {
			return err
		}
		for i := range entries {
			if err := enc.Encode(entries[i].K); err != nil {
				return err
			}
			if err := write(enc, &entries[i].V); err != nil {
				return err
			}
		}
		return enc.EndIndefinite()
	}
	return fmt.Errorf("unknown value type %q", v.T)
}

func main() {
	em, err := cbor.EncOptions{Sort: cbor.SortCanonical}.EncMode()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var v value
		if err := json.Unmarshal(in.Bytes(), &v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var buf bytes.Buffer
		if err := write(em.NewEncoder(&buf), &v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(out, hex.EncodeToString(buf.Bytes()))
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
