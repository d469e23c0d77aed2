//! processor:attribute's rename and delete on an OTLP request's bytes, for an OTLP batch whose
//! next nodes read only OTLP (the OTLP exporters: no tables built to be converted back): the
//! attribute lists `apply_to` selects are rewritten in place, every other field copied as it
//! came, length prefixes above a change rewritten. Same rules as on the tables
//! (`plan.rs`): a list holding a rename's source loses its destination entries and the
//! source takes the destination's name; deleted keys go. Values are never read, so the other
//! actions (which set or hash values, or add entries) stay on the tables path.
//! Most of a request has none of the edited keys: a message whose bytes do not hold an edited
//! key's encoding (a KeyValue's key field: tag, length, bytes) is copied whole, unparsed, and
//! a request without any comes back as `None` after one scan.

use memchr::memmem::Finder;

use super::{ApplyTo, AttributeActions};
use crate::error::OtapError;
use crate::otlp::wire::{append_message, consumed, put_varint, Reader, LEN};
use crate::Signal;

/// Where a message's attribute lists are: its fields that hold KeyValues, and its fields
/// holding messages with attribute lists further down. Anything else is copied unread. A
/// message with lists of its own is parsed only when it may hold an edited key.
struct Level {
    attrs: &'static [u32],
    children: Vec<(u32, Level)>,
}

impl Level {
    fn new(attrs: &'static [u32], children: Vec<(u32, Level)>) -> Level {
        Level { attrs, children: children.into_iter().filter(|(_, l)| !l.attrs.is_empty() || !l.children.is_empty()).collect() }
    }

    fn child(&self, field: u32) -> Option<&Level> {
        self.children.iter().find(|(f, _)| *f == field).map(|(_, l)| l)
    }
}

fn when(on: bool, fields: &'static [u32]) -> &'static [u32] {
    if on {
        fields
    } else {
        &[]
    }
}

/// The levels of an `Export*ServiceRequest` of `signal`, with the lists `to` selects: the
/// tables `target_tables` names (exponential-histogram points and their exemplars excluded,
/// as there). Field numbers from the OTLP protos.
fn request_levels(signal: Signal, to: ApplyTo) -> Level {
    let s = to.signal;
    let items = match signal {
        // LogRecord.attributes
        Signal::Logs => Level::new(when(s, &[6]), vec![]),
        // Span.attributes; events (11) and links (13) with theirs
        Signal::Traces => Level::new(when(s, &[9]), vec![(11, Level::new(when(s, &[3]), vec![])), (13, Level::new(when(s, &[4]), vec![]))]),
        Signal::Metrics => {
            let exemplar = || Level::new(when(s, &[7]), vec![]);
            let number = || Level::new(when(s, &[7]), vec![(5, exemplar())]);
            let points = |p: Level| Level::new(&[], vec![(1, p)]);
            // Metric.metadata; gauge, sum, histogram and summary points (with exemplars)
            Level::new(when(s, &[12]), vec![
                (5, points(number())),
                (7, points(number())),
                (9, points(Level::new(when(s, &[9]), vec![(8, exemplar())]))),
                (11, points(Level::new(when(s, &[7]), vec![]))),
            ])
        }
    };
    let resource = Level::new(when(to.resource, &[1]), vec![]);
    let scope = Level::new(when(to.scope, &[3]), vec![]);
    // request.1 resource_* { 1 resource, 2 scope_* { 1 scope, 2 items } }
    Level::new(&[], vec![(1, Level::new(&[], vec![(1, resource), (2, Level::new(&[], vec![(1, scope), (2, items)]))]))])
}

/// The encoding of a KeyValue's key field holding `key` (tag, length, bytes), found by memmem.
fn key_field_finder(key: &[u8]) -> Finder<'static> {
    let mut field = Vec::with_capacity(key.len() + 6);
    put_varint(&mut field, u64::from(1 << 3 | LEN));
    put_varint(&mut field, key.len() as u64);
    field.extend_from_slice(key);
    Finder::new(&field).into_owned()
}

/// A key (compared as bytes).
type Key = Box<str>;

/// What the actions do to one entry of a list.
pub(super) enum KeyAction<'k> {
    Keep,
    Rename(&'k str),
    Drop,
}

/// processor:attribute's renames and deletions, compiled once for OTLP requests' bytes: the
/// keys as bytes (compared, never decoded), their key fields' finders, and where the lists
/// `apply_to` selects are in each signal's request.
pub struct OtlpKeyEditor {
    rename: Vec<(Key, Key)>,
    delete: Vec<Key>,
    /// Key fields of the rename sources and deleted keys: bytes without any of them change
    /// nothing (a destination goes only where its source is).
    changes: Vec<Finder<'static>>,
    /// Key fields of the rename destinations: a list without any has none to replace.
    destinations: Vec<Finder<'static>>,
    /// Traces, logs, metrics.
    levels: [Level; 3],
    apply_to: ApplyTo,
}

impl OtlpKeyEditor {
    /// The editor of `actions`; other actions than rename and delete are an error: they set,
    /// hash or add values, which belongs to the tables path (`transform_attributes`).
    pub fn new(actions: &AttributeActions) -> Result<OtlpKeyEditor, OtapError> {
        if !(actions.insert.is_empty() && actions.upsert.is_empty() && actions.update.is_empty() && actions.hash.is_empty()) {
            return Err(OtapError::invalid_payload("attribute actions: only rename and delete apply to OTLP bytes; insert, upsert, update and hash need the tables"));
        }
        let bytes = |k: &String| -> Key { k.as_str().into() };
        let rename: Vec<(Key, Key)> = actions.rename.iter().map(|(s, d)| (bytes(s), bytes(d))).collect();
        let delete: Vec<Key> = actions.delete.iter().map(bytes).collect();
        let changes = rename.iter().map(|(s, _)| s).chain(&delete).map(|k| key_field_finder(k.as_bytes())).collect();
        let destinations = rename.iter().map(|(_, d)| key_field_finder(d.as_bytes())).collect();
        let to = actions.apply_to;
        let levels = [request_levels(Signal::Traces, to), request_levels(Signal::Logs, to), request_levels(Signal::Metrics, to)];
        Ok(OtlpKeyEditor { rename, delete, changes, destinations, levels, apply_to: to })
    }

    /// The editor of actions in their byte form (`AttributeActions::parse`).
    pub fn parse(actions: &[u8]) -> Result<OtlpKeyEditor, OtapError> {
        OtlpKeyEditor::new(&AttributeActions::parse(actions)?)
    }

    /// `request` with the renames and deletions applied; `None` when they change nothing
    /// (the request as it came).
    pub fn edit(&self, signal: Signal, request: &[u8]) -> Result<Option<Vec<u8>>, OtapError> {
        if !self.may_change(request) {
            return Ok(None);
        }
        let level = match signal {
            Signal::Traces => &self.levels[0],
            Signal::Logs => &self.levels[1],
            Signal::Metrics => &self.levels[2],
        };
        let mut out = Vec::with_capacity(request.len() + 64);
        Ok(self.edit_message(request, level, &mut out)?.then_some(out))
    }

    /// The lists the actions apply to.
    pub(super) fn apply_to(&self) -> ApplyTo {
        self.apply_to
    }

    /// What happens to an entry keyed `key` of a list from which the destinations `replaced`
    /// go (see [`OtlpKeyEditor::replaced_by`]).
    pub(super) fn action(&self, key: &[u8], replaced: &[&[u8]]) -> KeyAction<'_> {
        if let Some((_, dest)) = self.rename.iter().find(|(s, _)| s.as_bytes() == key) {
            KeyAction::Rename(dest)
        } else if self.delete.iter().any(|k| k.as_bytes() == key) || replaced.contains(&key) {
            KeyAction::Drop
        } else {
            KeyAction::Keep
        }
    }

    /// Adds to `out` the destinations of the renames whose source is `key`: a list holding
    /// a source loses its entries keyed with the destination.
    pub(super) fn replaced_by<'s>(&'s self, key: &[u8], out: &mut Vec<&'s [u8]>) {
        for (source, dest) in &self.rename {
            if source.as_bytes() == key && !out.contains(&dest.as_bytes()) {
                out.push(dest.as_bytes());
            }
        }
    }

    /// Whether `key` is one the actions change (a rename's source or a deleted key).
    pub(super) fn changes_key(&self, key: &[u8]) -> bool {
        !matches!(self.action(key, &[]), KeyAction::Keep)
    }

    /// Whether `bytes` may hold an edited key (they do not when no key field's encoding occurs).
    fn may_change(&self, bytes: &[u8]) -> bool {
        self.changes.iter().any(|f| f.find(bytes).is_some())
    }

    /// Copies `msg` to `out` with its attribute lists (and those below it) edited; whether
    /// anything changed. Fields between edits are copied in runs, as they came.
    fn edit_message(&self, msg: &[u8], level: &Level, out: &mut Vec<u8>) -> Result<bool, OtapError> {
        if !level.attrs.is_empty() && !self.may_change(msg) {
            out.extend_from_slice(msg);
            return Ok(false);
        }
        let replaced = if level.attrs.is_empty() || !self.destinations.iter().any(|f| f.find(msg).is_some()) {
            Vec::new()
        } else {
            self.replaced_destinations(msg, level.attrs)?
        };
        let mut changed = false;
        let mut body = Vec::new();
        // msg[run..] up to the current field is still to be copied as it came.
        let mut run = 0;
        let mut r = Reader::new(msg);
        loop {
            let at = msg.len() - r.rest().len();
            let Some((f, wt)) = r.tag()? else { break };
            if level.attrs.contains(&f) {
                r.expect(wt, LEN)?;
                let kv = r.bytes()?;
                let action = self.action(key_of(kv)?, &replaced);
                if matches!(action, KeyAction::Keep) {
                    continue;
                }
                out.extend_from_slice(&msg[run..at]);
                run = msg.len() - r.rest().len();
                changed = true;
                if let KeyAction::Rename(dest) = action {
                    body.clear();
                    renamed_key_value(kv, dest.as_bytes(), &mut body)?;
                    append_message(out, f, &body);
                }
            } else if let Some(child) = level.child(f) {
                r.expect(wt, LEN)?;
                let inner = r.bytes()?;
                body.clear();
                if self.edit_message(inner, child, &mut body)? {
                    out.extend_from_slice(&msg[run..at]);
                    run = msg.len() - r.rest().len();
                    changed = true;
                    append_message(out, f, &body);
                }
            } else {
                r.skip(wt)?;
            }
        }
        out.extend_from_slice(&msg[run..]);
        Ok(changed)
    }

    /// The destination keys whose entries go from this message's lists: those of the renames
    /// whose source one of them holds.
    fn replaced_destinations(&self, msg: &[u8], attrs: &[u32]) -> Result<Vec<&[u8]>, OtapError> {
        let mut out: Vec<&[u8]> = Vec::new();
        let mut r = Reader::new(msg);
        while let Some((f, wt)) = r.tag()? {
            if !attrs.contains(&f) {
                r.skip(wt)?;
                continue;
            }
            r.expect(wt, LEN)?;
            self.replaced_by(key_of(r.bytes()?)?, &mut out);
        }
        Ok(out)
    }
}

/// A KeyValue's key (field 1; the last one, as protobuf reads repeated scalars), empty if none.
fn key_of(kv: &[u8]) -> Result<&[u8], OtapError> {
    let mut key: &[u8] = &[];
    let mut r = Reader::new(kv);
    while let Some((f, wt)) = r.tag()? {
        if f == 1 {
            r.expect(wt, LEN)?;
            key = r.bytes()?;
        } else {
            r.skip(wt)?;
        }
    }
    Ok(key)
}

/// The KeyValue `kv` with key `dest`: the new key first, its other fields as they came.
fn renamed_key_value(kv: &[u8], dest: &[u8], out: &mut Vec<u8>) -> Result<(), OtapError> {
    put_varint(out, u64::from(1 << 3 | LEN));
    put_varint(out, dest.len() as u64);
    out.extend_from_slice(dest);
    let mut r = Reader::new(kv);
    loop {
        let start = r.rest();
        let Some((f, wt)) = r.tag()? else { break };
        r.skip(wt)?;
        if f != 1 {
            out.extend_from_slice(consumed(start, &r));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::otlp::model::{parse_logs, parse_traces, AnyValue};

    fn msg(field: u32, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        append_message(&mut out, field, body);
        out
    }

    /// KeyValue { key, value: AnyValue { string_value } }
    fn kv(key: &str, value: &str) -> Vec<u8> {
        let mut b = msg(1, key.as_bytes());
        b.extend(msg(2, &msg(1, value.as_bytes())));
        b
    }

    fn attrs(field: u32, pairs: &[(&str, &str)]) -> Vec<u8> {
        pairs.iter().flat_map(|(k, v)| msg(field, &kv(k, v))).collect()
    }

    /// One resource (attributes `res`), one scope (attributes `scope`), log records with the
    /// given attributes (a severity number before and a body after them).
    fn logs(res: &[(&str, &str)], scope: &[(&str, &str)], records: &[&[(&str, &str)]]) -> Vec<u8> {
        let mut sl = msg(1, &[msg(1, b"lib"), attrs(3, scope)].concat());
        for (i, a) in records.iter().enumerate() {
            let mut rec = vec![0x10, i as u8 + 1];
            rec.extend(attrs(6, a));
            rec.extend(msg(5, &msg(1, b"body")));
            sl.extend(msg(2, &rec));
        }
        let rl = [msg(1, &attrs(1, res)), msg(2, &sl)].concat();
        msg(1, &rl)
    }

    fn actions(rename: &[(&str, &str)], delete: &[&str], to: ApplyTo) -> AttributeActions {
        AttributeActions {
            apply_to: to,
            rename: rename.iter().map(|(s, d)| (s.to_string(), d.to_string())).collect::<BTreeMap<_, _>>(),
            delete: delete.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>(),
            insert: BTreeMap::new(),
            upsert: BTreeMap::new(),
            update: BTreeMap::new(),
            hash: BTreeMap::new(),
        }
    }

    const SIGNAL: ApplyTo = ApplyTo { signal: true, resource: false, scope: false };

    fn edit_otlp_attributes(signal: Signal, request: &[u8], actions: &AttributeActions) -> Result<Option<Vec<u8>>, OtapError> {
        OtlpKeyEditor::new(actions)?.edit(signal, request)
    }

    /// Per record: its attributes as (key, string value), in order.
    fn record_attrs(bytes: &[u8]) -> Vec<Vec<(String, String)>> {
        let req = parse_logs(bytes).unwrap();
        req.roots.items.iter().map(|l| {
            req.attrs[l.attrs.range()].iter().map(|kv| {
                let AnyValue::Str(v) = kv.value else { panic!("string values only") };
                (kv.key.to_string(), v.to_string())
            }).collect()
        }).collect()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn renames_replace_destinations_and_deletes_drop_keys() {
        let req = logs(&[("user", "r")], &[("user", "s")], &[
            &[("user", "u1"), ("user.id", "old"), ("secret", "x")],
            &[("user.id", "kept"), ("k", "v")],
            &[],
        ]);
        let out = edit_otlp_attributes(Signal::Logs, &req, &actions(&[("user", "user.id")], &["secret"], SIGNAL)).unwrap().unwrap();
        assert_eq!(record_attrs(&out), vec![owned(&[("user.id", "u1")]), owned(&[("user.id", "kept"), ("k", "v")]), vec![]]);
        // Resource and scope lists are not selected: unchanged, as are the other fields.
        let parsed = parse_logs(&out).unwrap();
        assert_eq!(parsed.roots.resource_attrs.iter().map(|kv| kv.key).collect::<Vec<_>>(), vec!["user"]);
        assert_eq!(parsed.roots.items.iter().map(|l| l.severity_number).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert!(parsed.roots.items.iter().all(|l| matches!(l.body, AnyValue::Str("body"))));
    }

    #[test]
    fn apply_to_selects_resource_and_scope_lists() {
        let req = logs(&[("user", "r"), ("gone", "g")], &[("user", "s")], &[&[("user", "u")]]);
        let to = ApplyTo { signal: false, resource: true, scope: true };
        let out = edit_otlp_attributes(Signal::Logs, &req, &actions(&[("user", "id")], &["gone"], to)).unwrap().unwrap();
        let parsed = parse_logs(&out).unwrap();
        assert_eq!(parsed.roots.resource_attrs.iter().map(|kv| kv.key).collect::<Vec<_>>(), vec!["id"]);
        assert_eq!(parsed.roots.scope_attrs.iter().map(|kv| kv.key).collect::<Vec<_>>(), vec!["id"]);
        assert_eq!(record_attrs(&out), vec![owned(&[("user", "u")])]);
    }

    #[test]
    fn a_key_only_in_a_value_changes_nothing() {
        // "user" is encoded as a value here, a key field's bytes included: parsed, unchanged.
        let req = logs(&[], &[], &[&[("a", "\n\u{4}user")], &[("b", "2")]]);
        assert_eq!(edit_otlp_attributes(Signal::Logs, &req, &actions(&[("user", "id")], &[], SIGNAL)).unwrap(), None);
    }

    #[test]
    fn nothing_to_change_gives_none() {
        let req = logs(&[], &[], &[&[("a", "1")], &[("b", "2")]]);
        assert_eq!(edit_otlp_attributes(Signal::Logs, &req, &actions(&[("x", "y")], &["z"], SIGNAL)).unwrap(), None);
        assert_eq!(edit_otlp_attributes(Signal::Logs, &req, &actions(&[], &[], SIGNAL)).unwrap(), None);
    }

    #[test]
    fn span_events_and_links_are_the_signal_s_lists() {
        let event = [msg(2, b"ev"), attrs(3, &[("user", "e")])].concat();
        let link = [msg(1, &[7u8; 16]), attrs(4, &[("user", "l")])].concat();
        let span = [msg(1, &[1u8; 16]), msg(2, &[2u8; 8]), msg(5, b"op"), attrs(9, &[("user", "s")]), msg(11, &event), msg(13, &link)].concat();
        let req = msg(1, &msg(2, &msg(2, &span)));
        let out = edit_otlp_attributes(Signal::Traces, &req, &actions(&[("user", "who")], &[], SIGNAL)).unwrap().unwrap();
        let t = parse_traces(&out).unwrap();
        assert_eq!(t.span_attrs.iter().map(|kv| kv.key).collect::<Vec<_>>(), vec!["who"]);
        assert_eq!(t.event_attrs.iter().map(|kv| kv.key).collect::<Vec<_>>(), vec!["who"]);
        assert_eq!(t.link_attrs.iter().map(|kv| kv.key).collect::<Vec<_>>(), vec!["who"]);
        assert_eq!(t.roots.items[0].name, "op");
    }

    /// The encoder's one-pass edit writes what encoding the edited bytes writes.
    fn assert_encode_edited_matches(signal: Signal, requests: &[Vec<u8>], a: &AttributeActions) {
        let editor = OtlpKeyEditor::new(a).unwrap();
        let options = crate::EncoderOptions { zstd_level: None, metric_metadata: true };
        let (mut fused, mut two_pass) = (crate::Encoder::new(options.clone()), crate::Encoder::new(options));
        for req in requests {
            let edited = editor.edit(signal, req).unwrap();
            let expected = two_pass.encode(signal, edited.as_deref().unwrap_or(req)).unwrap();
            assert_eq!(fused.encode_edited(signal, req, &editor).unwrap(), expected);
        }
    }

    #[test]
    fn encode_edited_writes_what_the_edited_bytes_encode_to() {
        let requests = [
            logs(&[("user", "r"), ("gone", "g")], &[("user", "s"), ("user.id", "d")], &[
                &[("user", "u1"), ("user.id", "old"), ("secret", "x")],
                &[("user.id", "kept"), ("k", "v")],
                &[],
                &[("secret", "only")],
            ]),
            logs(&[], &[], &[&[("a", "1")]]),
            logs(&[("user", "r")], &[], &[&[("user", "u")], &[("user", "u"), ("user", "twice")]]),
        ];
        let all = ApplyTo { signal: true, resource: true, scope: true };
        for to in [SIGNAL, all, ApplyTo { signal: false, resource: true, scope: false }] {
            assert_encode_edited_matches(Signal::Logs, &requests, &actions(&[("user", "user.id")], &["secret", "gone"], to));
            assert_encode_edited_matches(Signal::Logs, &requests, &actions(&[("user", "user.id"), ("k", "user")], &[], to));
        }
        let event = [msg(2, b"ev"), attrs(3, &[("user", "e"), ("who", "x")])].concat();
        let link = [msg(1, &[7u8; 16]), attrs(4, &[("secret", "l")])].concat();
        let span = [msg(1, &[1u8; 16]), msg(2, &[2u8; 8]), msg(5, b"op"), attrs(9, &[("user", "s")]), msg(11, &event), msg(13, &link)].concat();
        let traces = vec![msg(1, &msg(2, &[msg(2, &span), msg(2, &span)].concat()))];
        assert_encode_edited_matches(Signal::Traces, &traces, &actions(&[("user", "who")], &["secret"], all));
    }

    #[test]
    fn value_actions_and_broken_bytes_are_errors() {
        let req = logs(&[], &[], &[&[("user", "u")]]);
        let mut a = actions(&[("user", "id")], &[], SIGNAL);
        a.hash.insert("h".into(), Vec::new());
        assert!(edit_otlp_attributes(Signal::Logs, &req, &a).is_err());
        let a = actions(&[("user", "id")], &[], SIGNAL);
        for cut in 1..req.len() {
            // Truncated anywhere: an error or a shorter request, never a panic.
            let _ = edit_otlp_attributes(Signal::Logs, &req[..cut], &a);
        }
        // Bytes without an edited key are not parsed: they go on as they came (the next
        // consumer's parser refuses them); with one, a broken field is an error.
        assert_eq!(edit_otlp_attributes(Signal::Logs, &[0x0b], &a).unwrap(), None);
        let mut broken = req.clone();
        broken.push(0x0b);
        assert!(edit_otlp_attributes(Signal::Logs, &broken, &a).is_err());
    }
}
