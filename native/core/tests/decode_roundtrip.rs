//! Encoder -> Decoder round trips over multi-batch streams (growing dictionaries, zstd and
//! uncompressed bodies): every decoded request equals its source up to the order of
//! attributes and of rows inside a scope (OTAP keeps neither; the encoder sorts).

mod decode_support;

use decode_support::stream;
use otap_core::decode::pb::*;
use otap_core::{Decoder, Signal};
use prost::Message;

fn sort(a: &mut [KeyValue]) {
    a.sort_by(|x, y| x.key.cmp(&y.key));
}

/// Sorts rows by their Debug text (after their own lists were normalized).
fn sort_dbg<T: std::fmt::Debug>(v: &mut [T]) {
    v.sort_by_cached_key(|x| format!("{x:?}"));
}

/// Equality with a short report: the first differing line of the pretty Debug texts.
fn same<T: std::fmt::Debug + PartialEq>(a: &T, b: &T, what: &str) {
    if a == b {
        return;
    }
    let (x, y) = (format!("{a:#?}"), format!("{b:#?}"));
    let (xl, yl): (Vec<&str>, Vec<&str>) = (x.lines().collect(), y.lines().collect());
    let k = xl.iter().zip(&yl).position(|(p, q)| p != q).unwrap_or(xl.len().min(yl.len()));
    let lo = k.saturating_sub(8);
    panic!(
        "{what}: first difference at line {k}\n--- decoded\n{}\n--- source\n{}",
        xl[lo..(k + 3).min(xl.len())].join("\n"),
        yl[lo..(k + 3).min(yl.len())].join("\n")
    );
}

fn norm_res(r: &mut Option<Resource>) {
    if let Some(r) = r {
        sort(&mut r.attributes);
    }
}

fn norm_scope(s: &mut Option<InstrumentationScope>) {
    if let Some(s) = s {
        sort(&mut s.attributes);
    }
}

fn norm_logs(mut r: ExportLogsServiceRequest) -> ExportLogsServiceRequest {
    for rl in &mut r.resource_logs {
        norm_res(&mut rl.resource);
        for sl in &mut rl.scope_logs {
            norm_scope(&mut sl.scope);
            for l in &mut sl.log_records {
                sort(&mut l.attributes);
            }
            sort_dbg(&mut sl.log_records);
        }
    }
    r
}

fn norm_traces(mut r: ExportTraceServiceRequest) -> ExportTraceServiceRequest {
    for rs in &mut r.resource_spans {
        norm_res(&mut rs.resource);
        for ss in &mut rs.scope_spans {
            norm_scope(&mut ss.scope);
            for s in &mut ss.spans {
                sort(&mut s.attributes);
                for e in &mut s.events {
                    sort(&mut e.attributes);
                }
                for l in &mut s.links {
                    sort(&mut l.attributes);
                }
            }
            sort_dbg(&mut ss.spans);
        }
    }
    r
}

fn norm_exemplars(e: &mut [Exemplar]) {
    for x in e.iter_mut() {
        sort(&mut x.filtered_attributes);
    }
    sort_dbg(e);
}

fn norm_metrics(mut r: ExportMetricsServiceRequest) -> ExportMetricsServiceRequest {
    for rm in &mut r.resource_metrics {
        norm_res(&mut rm.resource);
        for sm in &mut rm.scope_metrics {
            norm_scope(&mut sm.scope);
            for m in &mut sm.metrics {
                sort(&mut m.metadata);
                match &mut m.data {
                    Some(metric::Data::Gauge(g)) => {
                        g.data_points.iter_mut().for_each(|p| {
                            sort(&mut p.attributes);
                            norm_exemplars(&mut p.exemplars);
                        });
                        sort_dbg(&mut g.data_points);
                    }
                    Some(metric::Data::Sum(g)) => {
                        g.data_points.iter_mut().for_each(|p| {
                            sort(&mut p.attributes);
                            norm_exemplars(&mut p.exemplars);
                        });
                        sort_dbg(&mut g.data_points);
                    }
                    Some(metric::Data::Histogram(g)) => {
                        g.data_points.iter_mut().for_each(|p| {
                            sort(&mut p.attributes);
                            norm_exemplars(&mut p.exemplars);
                        });
                        sort_dbg(&mut g.data_points);
                    }
                    Some(metric::Data::ExponentialHistogram(g)) => {
                        g.data_points.iter_mut().for_each(|p| {
                            sort(&mut p.attributes);
                            norm_exemplars(&mut p.exemplars);
                        });
                        sort_dbg(&mut g.data_points);
                    }
                    Some(metric::Data::Summary(g)) => {
                        g.data_points.iter_mut().for_each(|p| sort(&mut p.attributes));
                        sort_dbg(&mut g.data_points);
                    }
                    None => {}
                }
            }
            sort_dbg(&mut sm.metrics);
        }
    }
    r
}

fn check(signal: Signal, zstd: bool) {
    let batches = stream(signal, 8, 12, zstd);
    let mut dec = Decoder::new();
    for (i, (req, bar)) in batches.iter().enumerate() {
        let d = dec.decode(bar).unwrap_or_else(|e| panic!("batch {i}: {e}"));
        assert_eq!(d.signal, Some(signal));
        assert!(!d.batches.is_empty());
        // The decoder writes OTLP bytes itself: they must be the canonical bytes prost writes
        // for the same messages (field order, skipped defaults, packed fields, oneof place).
        let canonical = match signal {
            Signal::Logs => ExportLogsServiceRequest::decode(&d.otlp[..]).unwrap().encode_to_vec(),
            Signal::Traces => ExportTraceServiceRequest::decode(&d.otlp[..]).unwrap().encode_to_vec(),
            Signal::Metrics => ExportMetricsServiceRequest::decode(&d.otlp[..]).unwrap().encode_to_vec(),
        };
        assert!(canonical == d.otlp, "{signal:?} zstd={zstd} batch {i}: not prost's canonical bytes");
        match signal {
            Signal::Logs => same(
                &norm_logs(ExportLogsServiceRequest::decode(&d.otlp[..]).unwrap()),
                &norm_logs(ExportLogsServiceRequest::decode(&req[..]).unwrap()),
                &format!("{signal:?} zstd={zstd} batch {i}"),
            ),
            Signal::Traces => same(
                &norm_traces(ExportTraceServiceRequest::decode(&d.otlp[..]).unwrap()),
                &norm_traces(ExportTraceServiceRequest::decode(&req[..]).unwrap()),
                &format!("{signal:?} zstd={zstd} batch {i}"),
            ),
            Signal::Metrics => same(
                &norm_metrics(ExportMetricsServiceRequest::decode(&d.otlp[..]).unwrap()),
                &norm_metrics(ExportMetricsServiceRequest::decode(&req[..]).unwrap()),
                &format!("{signal:?} zstd={zstd} batch {i}"),
            ),
        }
    }
}

#[test]
fn logs_round_trip() {
    check(Signal::Logs, false);
    check(Signal::Logs, true);
}

#[test]
fn traces_round_trip() {
    check(Signal::Traces, false);
    check(Signal::Traces, true);
}

#[test]
fn metrics_round_trip() {
    check(Signal::Metrics, false);
    check(Signal::Metrics, true);
}

#[test]
fn empty_bar_has_no_signal() {
    let mut dec = Decoder::new();
    let d = dec.decode(&[]).unwrap();
    assert_eq!(d.signal, None);
    assert!(d.otlp.is_empty() && d.batches.is_empty());
}
