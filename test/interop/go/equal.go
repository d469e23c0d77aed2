package main

// `equal`: semantic comparison of OTLP requests after an Arrow round trip.
//
// Like the reference tests' assert.Equiv, differences in structure that do not
// change meaning are ignored, but we build a canonical form instead of a set of
// value paths, so duplicates still count:
//   - resource (resourceX entries) and scope (scopeX entries) with the same
//     identity (resource/scope object + schemaUrl + other fields) are merged,
//     and their order does not matter;
//   - the order of spans, log records, metrics, data points, events, links,
//     exemplars, quantile values, attributes and kvlist entries does not matter;
//   - everything else (array values, histogram buckets, ...) is positional.
// Values come from pdata's OTLP/JSON form, so unset fields and defaults match.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

type equalSummary struct {
	Equal bool `json:"equal"`
	Pairs int  `json:"pairs"`
	Items int  `json:"items"`
}

func cmdEqual(args []string) (any, error) {
	fs := flag.NewFlagSet("equal", flag.ContinueOnError)
	sigName := fs.String("signal", "", "traces|logs|metrics")
	dirA := fs.String("a", "", "directory of otlp-*.pb files (expected)")
	dirB := fs.String("b", "", "directory of decoded-*.pb files (actual)")
	if err := parse(fs, args, "signal", "a", "b"); err != nil {
		return nil, err
	}
	sig, err := lookupSignal(*sigName)
	if err != nil {
		return nil, err
	}
	as, err := readDir(*dirA, "otlp-*.pb")
	if err != nil {
		return nil, err
	}
	bs, err := readDir(*dirB, "decoded-*.pb")
	if err != nil {
		return nil, err
	}
	if len(as) != len(bs) {
		return nil, fmt.Errorf("%d otlp-*.pb files in %s but %d decoded-*.pb files in %s", len(as), *dirA, len(bs), *dirB)
	}
	sum := equalSummary{Equal: true, Pairs: len(as)}
	for i := range as {
		ca, na, err := canonicalFile(sig, as[i])
		if err != nil {
			return nil, fmt.Errorf("%s otlp-%04d.pb: %w", *dirA, i, err)
		}
		cb, nb, err := canonicalFile(sig, bs[i])
		if err != nil {
			return nil, fmt.Errorf("%s decoded-%04d.pb: %w", *dirB, i, err)
		}
		if !bytes.Equal(ca, cb) {
			return nil, fmt.Errorf("request %d differs (%s: %d items, %s: %d items)\n%s",
				i, filepath.Join(*dirA, fmt.Sprintf("otlp-%04d.pb", i)), na,
				filepath.Join(*dirB, fmt.Sprintf("decoded-%04d.pb", i)), nb, diffExcerpt(ca, cb))
		}
		sum.Items += na
	}
	return sum, nil
}

// canonicalFile returns the indented canonical JSON of one OTLP request and its item count.
func canonicalFile(sig *signal, raw []byte) ([]byte, int, error) {
	data, err := sig.unmarshal(raw)
	if err != nil {
		return nil, 0, err
	}
	js, err := sig.toJSON(data)
	if err != nil {
		return nil, 0, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber() // keep numbers exactly as pdata wrote them
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, 0, err
	}
	out, err := json.MarshalIndent(canon(mergeGroups(root), ""), "", " ")
	return out, sig.items(data), err
}

// The three levels of each signal's OTLP/JSON: resource groups, scope groups, items.
var levels = [][3]string{
	{"resourceSpans", "scopeSpans", "spans"},
	{"resourceLogs", "scopeLogs", "logRecords"},
	{"resourceMetrics", "scopeMetrics", "metrics"},
}

// mergeGroups merges resource entries with identical identity (every field
// except the scope list), and within them scope entries with identical
// identity (every field except the item list), keeping items in order.
func mergeGroups(root map[string]any) map[string]any {
	for _, lv := range levels {
		resources, ok := root[lv[0]].([]any)
		if !ok {
			continue
		}
		merged := newGroups()
		for _, r := range resources {
			r := r.(map[string]any)
			scopes := merged.get(without(r, lv[1]))
			for _, s := range asSlice(r[lv[1]]) {
				s := s.(map[string]any)
				items := scopes.get(without(s, lv[2]))
				items.list = append(items.list, asSlice(s[lv[2]])...)
			}
		}
		var out []any
		for _, rg := range merged.order {
			r := rg.identity
			var ss []any
			for _, sg := range rg.children.order {
				s := sg.identity
				if len(sg.children.list) > 0 {
					s[lv[2]] = sg.children.list
				}
				ss = append(ss, s)
			}
			if len(ss) > 0 {
				r[lv[1]] = ss
			}
			out = append(out, r)
		}
		root[lv[0]] = out
	}
	return root
}

// groups is an insertion-ordered map from canonical identity to group.
type groups struct {
	byKey map[string]*group
	order []*group
	list  []any // leaf level: the items
}

type group struct {
	identity map[string]any
	children *groups
}

func newGroups() *groups { return &groups{byKey: map[string]*group{}} }

func (g *groups) get(identity map[string]any) *groups {
	key, _ := json.Marshal(canon(identity, ""))
	if found, ok := g.byKey[string(key)]; ok {
		return found.children
	}
	ng := &group{identity: identity, children: newGroups()}
	g.byKey[string(key)] = ng
	g.order = append(g.order, ng)
	return ng.children
}

func without(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// Arrays whose order carries no meaning.
var unordered = map[string]bool{
	"resourceSpans": true, "resourceLogs": true, "resourceMetrics": true,
	"scopeSpans": true, "scopeLogs": true, "scopeMetrics": true,
	"spans": true, "logRecords": true, "metrics": true, "dataPoints": true,
	"events": true, "links": true, "exemplars": true, "quantileValues": true,
	"attributes": true, "filteredAttributes": true,
}

// canon returns v with unordered arrays sorted by their elements' canonical
// JSON. `key` is the name under which v appears in its parent object.
// (Go's encoding/json writes map keys sorted, which canonicalizes objects.)
func canon(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, child := range x {
			if arr, ok := child.([]any); ok {
				// kvlistValue.values is a map; arrayValue.values is a list.
				out[k] = canonArray(arr, k, unordered[k] || (key == "kvlistValue" && k == "values"))
			} else {
				out[k] = canon(child, k)
			}
		}
		return out
	case []any:
		return canonArray(x, key, false)
	}
	return v
}

func canonArray(arr []any, key string, sortIt bool) any {
	elems := make([]any, len(arr))
	for i, e := range arr {
		elems[i] = canon(e, key)
	}
	if !sortIt {
		return elems
	}
	raw := make([]string, len(elems))
	for i, e := range elems {
		b, _ := json.Marshal(e)
		raw[i] = string(b)
	}
	sort.Strings(raw)
	out := make([]json.RawMessage, len(raw))
	for i, r := range raw {
		out[i] = json.RawMessage(r)
	}
	return out
}

// diffExcerpt shows a few lines of context around the first differing line.
func diffExcerpt(a, b []byte) string {
	la := strings.Split(string(a), "\n")
	lb := strings.Split(string(b), "\n")
	first := 0
	for first < len(la) && first < len(lb) && la[first] == lb[first] {
		first++
	}
	window := func(lines []string, sign string) string {
		var sb strings.Builder
		for i := max(0, first-6); i < min(len(lines), first+10); i++ {
			mark := "  "
			if i == first {
				mark = sign + " "
			}
			fmt.Fprintf(&sb, "%s%5d %s\n", mark, i+1, truncate(lines[i], 160))
		}
		return sb.String()
	}
	return fmt.Sprintf("canonical JSON first differs at line %d\n--- expected (a)\n%s+++ actual (b)\n%s",
		first+1, window(la, "-"), window(lb, "+"))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
