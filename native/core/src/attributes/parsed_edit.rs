//! processor:attribute's renames and deletions applied to a parsed OTLP request, as the
//! encoder holds it before writing its tables: what [`OtlpKeyEditor::edit`] does to the bytes,
//! without writing an edited copy of the request for the encoder to parse again. An OTLP batch
//! renamed on its way to `exporter:otap` is encoded in one pass.
//! Renamed entries point at the editor's key; dropped ones leave their arena, and every span
//! into that arena (the lists `apply_to` leaves alone too) is moved to the compacted indices.

use super::otlp_edit::{KeyAction, OtlpKeyEditor};
use crate::encode::ParsedRequest;
use crate::otlp::model::{KeyValue, Roots, Span32};

/// Removes the entries `drop` marks (empty: none) from `arena`; the index map (`map[i]` = new
/// index of entry i, `map[len]` = new length), `None` when nothing was dropped.
fn compact<T>(arena: &mut Vec<T>, drop: &[bool]) -> Option<Vec<u32>> {
    if drop.is_empty() {
        return None;
    }
    let mut map = Vec::with_capacity(arena.len() + 1);
    let mut kept = 0u32;
    for &gone in drop {
        map.push(kept);
        kept += u32::from(!gone);
    }
    map.push(kept);
    let mut i = 0;
    arena.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
    Some(map)
}

fn remap(map: &Option<Vec<u32>>, span: &mut Span32) {
    if let Some(map) = map {
        *span = Span32 { start: map[span.start as usize], end: map[span.end as usize] };
    }
}

impl OtlpKeyEditor {
    /// Applies the renames and deletions to the lists of `req` that `apply_to` selects (the
    /// same lists, and the same outcome, as [`OtlpKeyEditor::edit`] on the request's bytes).
    pub fn edit_parsed<'a>(&'a self, req: &mut ParsedRequest<'a>) {
        let to = self.apply_to();
        match req {
            ParsedRequest::Logs(r) => {
                if to.signal {
                    self.edit_owned(&mut r.attrs, &mut r.roots.items, |l| &mut l.attrs);
                }
                self.edit_roots(&mut r.roots);
            }
            ParsedRequest::Traces(r) => {
                if to.signal {
                    self.edit_owned(&mut r.span_attrs, &mut r.roots.items, |s| &mut s.attrs);
                    self.edit_owned(&mut r.event_attrs, &mut r.events, |s| &mut s.attrs);
                    self.edit_owned(&mut r.link_attrs, &mut r.links, |s| &mut s.attrs);
                }
                self.edit_roots(&mut r.roots);
            }
            ParsedRequest::Metrics(r) => {
                if to.signal {
                    self.edit_owned(&mut r.metadata_attrs, &mut r.roots.items, |m| &mut m.metadata);
                    // Exponential-histogram points and their exemplars are not the signal's
                    // lists (see `target_tables`), but their spans move with the compaction.
                    let lists = r.number_points.iter().map(|p| p.attrs)
                        .chain(r.histogram_points.iter().map(|p| p.attrs))
                        .chain(r.summary_points.iter().map(|p| p.attrs));
                    let drop = self.edit_lists(&mut r.point_attrs, lists);
                    let map = compact(&mut r.point_attrs, &drop);
                    r.number_points.iter_mut().for_each(|p| remap(&map, &mut p.attrs));
                    r.histogram_points.iter_mut().for_each(|p| remap(&map, &mut p.attrs));
                    r.summary_points.iter_mut().for_each(|p| remap(&map, &mut p.attrs));
                    r.exp_points.iter_mut().for_each(|p| remap(&map, &mut p.attrs));
                    let exemplars = &r.exemplars;
                    let lists = r.number_points.iter().map(|p| p.exemplars)
                        .chain(r.histogram_points.iter().map(|p| p.exemplars))
                        .flat_map(|s| exemplars[s.range()].iter().map(|x| x.attrs));
                    let drop = self.edit_lists(&mut r.exemplar_attrs, lists);
                    let map = compact(&mut r.exemplar_attrs, &drop);
                    r.exemplars.iter_mut().for_each(|x| remap(&map, &mut x.attrs));
                }
                self.edit_roots(&mut r.roots);
            }
        }
    }

    /// The resource and scope lists, as `apply_to` selects them.
    fn edit_roots<'a, T>(&'a self, roots: &mut Roots<'a, T>) {
        let to = self.apply_to();
        if to.resource {
            self.edit_owned(&mut roots.resource_attrs, &mut roots.resources, |g| &mut g.attrs);
        }
        if to.scope {
            self.edit_owned(&mut roots.scope_attrs, &mut roots.scopes, |g| &mut g.attrs);
        }
    }

    /// The lists of one kind of owner, each owner's `attrs` a span into `arena`.
    fn edit_owned<'a, O>(&'a self, arena: &mut Vec<KeyValue<'a>>, owners: &mut [O], attrs: impl Fn(&mut O) -> &mut Span32) {
        let drop = self.edit_lists(arena, owners.iter_mut().map(|o| *attrs(o)));
        let map = compact(arena, &drop);
        owners.iter_mut().for_each(|o| remap(&map, attrs(o)));
    }

    /// Renames in place the entries of `lists` (spans into `arena`); the entries to drop, by
    /// index (empty when none is).
    fn edit_lists<'a>(&'a self, arena: &mut [KeyValue<'a>], lists: impl Iterator<Item = Span32>) -> Vec<bool> {
        let mut drop = Vec::new();
        let len = arena.len();
        let mut replaced: Vec<&[u8]> = Vec::new();
        for list in lists {
            let entries = &mut arena[list.range()];
            // Most lists hold no edited key: one comparison per entry decides.
            if !entries.iter().any(|kv| self.changes_key(kv.key.as_bytes())) {
                continue;
            }
            replaced.clear();
            for kv in entries.iter() {
                self.replaced_by(kv.key.as_bytes(), &mut replaced);
            }
            for (i, kv) in entries.iter_mut().enumerate() {
                match self.action(kv.key.as_bytes(), &replaced) {
                    KeyAction::Keep => {}
                    KeyAction::Rename(dest) => kv.key = dest,
                    KeyAction::Drop => {
                        if drop.is_empty() {
                            drop = vec![false; len];
                        }
                        drop[list.start as usize + i] = true;
                    }
                }
            }
        }
        drop
    }
}
