//! Turns [`TableInput`]s into Arrow record batches for one payload type, keeping the state
//! that persists across the batches of one IPC stream, exactly as
//! src/otap/encode/table-encoder.ts does:
//! - optional columns appear at their first value that counts and then stay;
//! - dictionary candidates start at u8 (or u16) keys, move u8 -> u16 when more than 255
//!   distinct values have been seen, and past 65535 either restart the dictionary
//!   (distinct/inserted < 0.3: same schema, a replacement dictionary) or fall back to the
//!   plain value type for good;
//! - a column whose receiver decodes more distinct values than it was sent (quasi-delta parent
//!   ids made absolute) gets keys wide enough for those too (`TableInput::decoded_distinct`);
//! - any change of the resulting schema starts a new IPC stream whose dictionaries start empty.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow_array::types::*;
use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, DictionaryArray, FixedSizeBinaryArray, Float64Array, ListArray,
    PrimitiveArray, RecordBatch, RecordBatchOptions, StringArray, StructArray, UInt64Array,
};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};

use super::short_bytes::bytes_eq;
use super::dict::{DictValues, FxBuild};
use super::input::{Leaf, ListInput, ListItems, TableInput};
use crate::error::OtapError;
use crate::ipc_writer::{keys_schema, DictionaryMessage};
use crate::schema::{ColumnSpec, DictClass, LeafKind, Presence, TableSpec};

const MAX_U8: usize = 255;

#[derive(Debug, Clone, Copy)]
pub struct DictionaryLimits {
    /// Largest dictionary a u16 key may index (Go LimitIndexSize).
    pub max_u16: usize,
    /// Below this distinct/inserted ratio an overflowing dictionary restarts instead of going plain.
    pub reset_threshold: f64,
}

impl Default for DictionaryLimits {
    fn default() -> Self {
        DictionaryLimits { max_u16: 65535, reset_threshold: 0.3 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DictMode {
    U8,
    U16,
    Plain,
}

struct DictState {
    mode: DictMode,
    values: DictValues,
    /// IPC mode: values already sent on the current IPC stream.
    sent: usize,
    /// IPC mode: the values were restarted since the last send (a replacement, not a delta).
    replaced: bool,
}

/// A column that may appear, with its full path (computed once, not per batch).
enum Candidate {
    Struct { path: String, nullable: bool },
    List { path: String },
    Leaf { path: String, nullable: bool, non_zero: bool, dict: Option<usize> },
}

/// A column of the current schema with what building it needs, computed when the schema
/// changes: a batch formats no paths and looks nothing up by name.
enum PlanColumn {
    Struct { path: String, children: Vec<PlanColumn> },
    List { path: String },
    Leaf(PlanLeaf),
}

struct PlanLeaf {
    path: String,
    kind: LeafKind,
    /// The dictionary candidate the column is.
    dict: Option<usize>,
    /// The schema has it as a dictionary (not fallen back to plain values).
    encoded: bool,
}

pub struct TableEncoder {
    pub spec: TableSpec,
    limits: DictionaryLimits,
    present: HashSet<String, FxBuild>,
    /// Every column of the prototype not yet present.
    absent: Vec<Candidate>,
    /// Presence or a key width changed since the signature was last computed.
    changed: bool,
    /// Dictionary candidates in prototype order; the index is Go's `dictId` metadata.
    dicts: Vec<DictState>,
    dict_index: HashMap<String, usize, FxBuild>,
    /// Per dictionary candidate: its column is present.
    dict_present: Vec<bool>,
    signature: Option<String>,
    schema: Option<SchemaRef>,
    /// IPC mode (see [`TableEncoder::for_ipc`]): `schema` with each dictionary column as its
    /// key type, the schema of the batches built.
    physical: Option<SchemaRef>,
    /// The columns of the schema the batches are built with.
    plan: Vec<PlanColumn>,
    /// Dictionary candidates of `schema` in IPC dictionary id order.
    schema_dicts: Vec<usize>,
    ipc: bool,
    /// Leaves built by the current `encode` call, in build order (for a rebuild).
    leaf_cache: Vec<ArrayRef>,
    leaf_pos: usize,
    /// Per dictionary (prototype order): must be built again on a rebuild.
    rebuild_dict: Vec<bool>,
}

pub struct EncodedTable {
    /// In IPC mode the dictionary columns hold only their keys (the batch's schema says so).
    pub batch: RecordBatch,
    /// The table's schema, dictionary columns as dictionaries (the IPC stream's schema).
    pub schema: SchemaRef,
    /// IPC mode: the dictionary messages that go before the batch, in dictionary id order
    /// (every dictionary when a stream starts; afterwards the new values, or a restarted
    /// dictionary whole).
    pub dictionaries: Vec<DictionaryMessage>,
    /// True when this batch starts a new IPC stream (first batch or a schema change).
    pub new_stream: bool,
}

fn walk_leaves(cols: &[ColumnSpec], prefix: &str, f: &mut impl FnMut(&ColumnSpec, String)) {
    for c in cols {
        let path = format!("{prefix}{}", c.name());
        match c {
            ColumnSpec::Struct { children, .. } => walk_leaves(children, &format!("{path}."), f),
            ColumnSpec::List { .. } => {}
            ColumnSpec::Leaf { .. } => f(c, path),
        }
    }
}

impl TableEncoder {
    pub fn new(spec: TableSpec, limits: DictionaryLimits) -> Self {
        let mut dicts = Vec::new();
        let mut dict_index = HashMap::default();
        walk_leaves(&spec.columns, "", &mut |c, path| {
            if let ColumnSpec::Leaf { kind, dict: Some(d), .. } = c {
                dict_index.insert(path, dicts.len());
                let mode = if *d == DictClass::D8 { DictMode::U8 } else { DictMode::U16 };
                dicts.push(DictState { mode, values: DictValues::new(*kind), sent: 0, replaced: false });
            }
        });
        let mut absent = Vec::new();
        fn candidates(
            cols: &[ColumnSpec],
            prefix: &str,
            dict_index: &HashMap<String, usize, FxBuild>,
            out: &mut Vec<Candidate>,
        ) {
            for c in cols {
                let path = format!("{prefix}{}", c.name());
                match c {
                    ColumnSpec::Struct { nullable, children, .. } => {
                        candidates(children, &format!("{path}."), dict_index, out);
                        out.push(Candidate::Struct { path, nullable: *nullable });
                    }
                    ColumnSpec::List { .. } => out.push(Candidate::List { path }),
                    ColumnSpec::Leaf { nullable, presence, .. } => {
                        let dict = dict_index.get(&path).copied();
                        out.push(Candidate::Leaf { path, nullable: *nullable, non_zero: *presence == Presence::NonZero, dict })
                    }
                }
            }
        }
        candidates(&spec.columns, "", &dict_index, &mut absent);
        TableEncoder {
            spec,
            limits,
            present: HashSet::default(),
            absent,
            changed: true,
            dict_present: vec![false; dicts.len()],
            dicts,
            dict_index,
            signature: None,
            schema: None,
            physical: None,
            plan: Vec::new(),
            schema_dicts: Vec::new(),
            ipc: false,
            leaf_cache: Vec::new(),
            leaf_pos: 0,
            rebuild_dict: Vec::new(),
        }
    }

    /// An encoder whose output goes to an IPC stream ([`crate::ipc_writer::TableChunkWriter`]):
    /// its batches carry dictionary keys only, and each batch says which dictionary values
    /// are new. Its dictionaries are never rebuilt whole per batch (nor compared with what was
    /// sent), so a batch costs the same however long the stream has run.
    pub fn for_ipc(spec: TableSpec, limits: DictionaryLimits) -> Self {
        TableEncoder { ipc: true, ..TableEncoder::new(spec, limits) }
    }

    pub fn encode(&mut self, input: &TableInput<'_>) -> Result<EncodedTable, OtapError> {
        self.update_presence(input);
        self.widen_for_decoded(input);
        let mut new_stream = false;
        // A rebuild (a key width outgrew its values) reuses the leaves built in the previous
        // pass whose type did not change, except dictionaries that held values from earlier
        // batches (a new stream restarts them) or that overflowed.
        self.leaf_cache.clear();
        self.rebuild_dict.clear();
        self.rebuild_dict.extend(self.dicts.iter().map(|d| !d.values.is_empty()));
        for _ in 0..8 {
            // The signature follows presence and key widths only: recomputed when they moved.
            let signature = if self.changed || self.signature.is_none() { Some(self.compute_signature()) } else { None };
            self.changed = false;
            let mut restarted = false;
            if let Some(signature) = signature.filter(|s| self.signature.as_deref() != Some(s.as_str())) {
                self.signature = Some(signature);
                let schema = Arc::new(self.build_schema());
                self.plan = self.plan_columns(schema.fields(), "");
                self.schema_dicts.clear();
                dictionary_order(&self.plan, &mut self.schema_dicts);
                self.physical = self.ipc.then(|| Arc::new(keys_schema(&schema)));
                self.schema = Some(schema);
                // A dictionary kept for reuse holds only this batch's values, in first-seen
                // order: what restarting and rebuilding it would give.
                for (state, rebuild) in self.dicts.iter_mut().zip(&self.rebuild_dict) {
                    if *rebuild {
                        state.values = DictValues::new(state.values.kind);
                    }
                }
                new_stream = true;
                restarted = true;
            }
            let fresh: Vec<bool> = self.dicts.iter().map(|d| restarted || d.values.is_empty()).collect();
            let schema = self.schema.clone().unwrap();
            let built = self.physical.clone().unwrap_or_else(|| schema.clone());
            self.leaf_pos = 0;
            let plan = std::mem::take(&mut self.plan);
            let columns = self.build_columns(built.fields(), &plan, input);
            self.plan = plan;
            let columns = columns?;
            if !self.check_overflow(&fresh) {
                self.leaf_cache.clear();
                let options = RecordBatchOptions::new().with_row_count(Some(input.len));
                let batch = RecordBatch::try_new_with_options(built, columns, &options)
                    .map_err(|e| OtapError::invalid_payload(format!("internal: {e}")).in_table(self.spec.name))?;
                let dictionaries = if self.ipc { self.dictionary_messages(new_stream) } else { Vec::new() };
                return Ok(EncodedTable { batch, schema, dictionaries, new_stream });
            }
        }
        Err(OtapError::limit_exceeded("dictionary sizes did not settle after repeated schema changes").in_table(self.spec.name))
    }

    /// What the IPC stream needs of each dictionary before this batch; marks it sent.
    fn dictionary_messages(&mut self, new_stream: bool) -> Vec<DictionaryMessage> {
        let mut out = Vec::new();
        for (id, &d) in self.schema_dicts.iter().enumerate() {
            let state = &mut self.dicts[d];
            let whole = new_stream || state.replaced;
            let len = state.values.len();
            if whole || len > state.sent {
                let start = if whole { 0 } else { state.sent };
                out.push(DictionaryMessage { id: id as i64, values: state.values.values_from(start), is_delta: !whole });
            }
            state.sent = len;
            state.replaced = false;
        }
        out
    }

    /// Widens (for good, like an overflow) keys too narrow for the values a receiver decodes.
    fn widen_for_decoded(&mut self, input: &TableInput<'_>) {
        for (path, distinct) in &input.decoded_distinct {
            let Some(&d) = self.dict_index.get(*path) else { continue };
            let state = &mut self.dicts[d];
            if state.mode == DictMode::U8 && *distinct > MAX_U8 {
                state.mode = DictMode::U16;
                self.changed = true;
            }
            if state.mode == DictMode::U16 && *distinct > self.limits.max_u16 {
                state.mode = DictMode::Plain;
                state.values = DictValues::new(state.values.kind);
                self.changed = true;
            }
        }
    }

    /// After building, moves any dictionary past its key width; true when the batch must be rebuilt.
    fn check_overflow(&mut self, fresh: &[bool]) -> bool {
        let mut rebuild = false;
        for (i, state) in self.dicts.iter_mut().enumerate() {
            if !self.dict_present[i] {
                continue;
            }
            if state.mode == DictMode::Plain {
                continue;
            }
            let size = state.values.len();
            if state.mode == DictMode::U8 && size > MAX_U8 {
                state.mode = DictMode::U16;
                self.rebuild_dict[i] = true;
                rebuild = true;
            }
            if state.mode == DictMode::U16 && size > self.limits.max_u16 {
                let ratio = size as f64 / state.values.inserted as f64;
                // `ratio` is never NaN: size > max_u16 > 0 (inserted == 0 gives +inf).
                if ratio >= self.limits.reset_threshold || fresh[i] {
                    state.mode = DictMode::Plain;
                }
                state.values = DictValues::new(state.values.kind);
                state.replaced = true;
                self.rebuild_dict[i] = true;
                rebuild = true;
            }
        }
        self.changed |= rebuild;
        rebuild
    }

    fn update_presence(&mut self, input: &TableInput<'_>) {
        let before = self.absent.len();
        self.absent.retain(|c| {
            let appears = match c {
                Candidate::Struct { path, nullable } => {
                    let has_rows = input.len > 0 && input.struct_validity(path).is_none_or(|v| v.iter().any(|&b| b));
                    !*nullable || has_rows
                }
                Candidate::List { path } => input.list(path).is_some_and(|l| l.any_non_empty()),
                Candidate::Leaf { path, nullable, non_zero, .. } => {
                    !*nullable || input.leaf(path).is_some_and(|l| l.counts(*non_zero))
                }
            };
            if appears {
                if let Candidate::Leaf { dict: Some(d), .. } = c {
                    self.dict_present[*d] = true;
                }
                let path = match c {
                    Candidate::Struct { path, .. } | Candidate::List { path } | Candidate::Leaf { path, .. } => path,
                };
                self.present.insert(path.clone());
            }
            !appears
        });
        self.changed |= self.absent.len() != before;
    }

    fn compute_signature(&self) -> String {
        fn render(enc: &TableEncoder, cols: &[ColumnSpec], prefix: &str, out: &mut String) {
            let mut first = true;
            for c in cols {
                let path = format!("{prefix}{}", c.name());
                if !enc.present.contains(&path) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(c.name());
                match c {
                    ColumnSpec::Struct { children, .. } => {
                        out.push('{');
                        render(enc, children, &format!("{path}."), out);
                        out.push('}');
                    }
                    ColumnSpec::List { .. } => out.push_str("[]"),
                    ColumnSpec::Leaf { kind, .. } => {
                        out.push(':');
                        out.push_str(kind.code());
                        match enc.dict_index.get(&path).map(|&d| enc.dicts[d].mode) {
                            Some(DictMode::U8) => out.push_str("/u8"),
                            Some(DictMode::U16) => out.push_str("/u16"),
                            _ => {}
                        }
                    }
                }
            }
        }
        let mut s = String::new();
        render(self, &self.spec.columns, "", &mut s);
        s
    }

    fn build_schema(&self) -> Schema {
        fn field_of(enc: &TableEncoder, c: &ColumnSpec, path: &str) -> Field {
            match c {
                ColumnSpec::Struct { name, nullable, children } => {
                    let fields: Vec<Field> = children
                        .iter()
                        .filter_map(|ch| {
                            let p = format!("{path}.{}", ch.name());
                            enc.present.contains(&p).then(|| field_of(enc, ch, &p))
                        })
                        .collect();
                    Field::new(*name, DataType::Struct(Fields::from(fields)), *nullable)
                }
                ColumnSpec::List { name, item } => {
                    Field::new(*name, DataType::List(Arc::new(list_item_field(item))), true)
                }
                ColumnSpec::Leaf { name, kind, nullable, .. } => {
                    let value_type = kind.data_type();
                    let dict = enc.dict_index.get(path).copied();
                    match dict.map(|d| enc.dicts[d].mode) {
                        Some(mode @ (DictMode::U8 | DictMode::U16)) => {
                            let key = if mode == DictMode::U8 { DataType::UInt8 } else { DataType::UInt16 };
                            let mut md = HashMap::new();
                            md.insert("dictId".to_string(), dict.unwrap().to_string());
                            Field::new(*name, DataType::Dictionary(Box::new(key), Box::new(value_type)), *nullable)
                                .with_metadata(md)
                        }
                        _ => Field::new(*name, value_type, *nullable),
                    }
                }
            }
        }
        let fields: Vec<Field> = self
            .spec
            .columns
            .iter()
            .filter(|c| self.present.contains(c.name()))
            .map(|c| field_of(self, c, c.name()))
            .collect();
        let md: HashMap<String, String> =
            self.spec.metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Schema::new_with_metadata(fields, md)
    }

    /// The build plan of `fields` (a schema being built, or a struct's children).
    fn plan_columns(&self, fields: &Fields, prefix: &str) -> Vec<PlanColumn> {
        fields
            .iter()
            .map(|field| {
                let path = format!("{prefix}{}", field.name());
                match field.data_type() {
                    DataType::Struct(children) => {
                        let children = self.plan_columns(children, &format!("{path}."));
                        PlanColumn::Struct { path, children }
                    }
                    DataType::List(_) => PlanColumn::List { path },
                    _ => {
                        let kind = leaf_kind_of(&self.spec.columns, &path).expect("leaf in prototype");
                        let dict = self.dict_index.get(&path).copied();
                        let encoded = matches!(field.data_type(), DataType::Dictionary(..));
                        PlanColumn::Leaf(PlanLeaf { path, kind, dict, encoded })
                    }
                }
            })
            .collect()
    }

    fn build_columns(&mut self, fields: &Fields, plan: &[PlanColumn], input: &TableInput<'_>) -> Result<Vec<ArrayRef>, OtapError> {
        let mut out = Vec::with_capacity(fields.len());
        for (field, column) in fields.iter().zip(plan) {
            let array: ArrayRef = match (field.data_type(), column) {
                (DataType::Struct(children), PlanColumn::Struct { path, children: plan }) => {
                    let arrays = self.build_columns(children, plan, input)?;
                    let nulls = input.struct_validity(path).map(|v| NullBuffer::from(v.to_vec()));
                    let nulls = nulls.filter(|n| n.null_count() > 0);
                    if children.is_empty() {
                        Arc::new(StructArray::new_empty_fields(input.len, nulls))
                    } else {
                        Arc::new(
                            StructArray::try_new(children.clone(), arrays, nulls)
                                .map_err(|e| internal(self.spec.name, path, e))?,
                        )
                    }
                }
                (DataType::List(item), PlanColumn::List { path }) => build_list(item, input.list(path), input.len),
                (_, PlanColumn::Leaf(leaf)) => self.build_leaf(field, leaf, input)?,
                _ => return Err(internal(self.spec.name, field.name(), "build plan does not match the schema")),
            };
            out.push(array);
        }
        Ok(out)
    }

    /// A leaf column; on a rebuild, the previous pass's array when still valid.
    fn build_leaf(&mut self, field: &Field, leaf: &PlanLeaf, input: &TableInput<'_>) -> Result<ArrayRef, OtapError> {
        let pos = self.leaf_pos;
        self.leaf_pos += 1;
        if let Some(prev) = self.leaf_cache.get(pos) {
            let dict_ok = leaf.dict.is_none_or(|i| !self.rebuild_dict[i]);
            if dict_ok && prev.data_type() == field.data_type() {
                return Ok(prev.clone());
            }
        }
        let array = self.build_leaf_array(field, leaf, input)?;
        if pos < self.leaf_cache.len() {
            self.leaf_cache[pos] = array.clone();
        } else {
            self.leaf_cache.push(array.clone());
        }
        Ok(array)
    }

    fn build_leaf_array(&mut self, field: &Field, plan: &PlanLeaf, input: &TableInput<'_>) -> Result<ArrayRef, OtapError> {
        let (path, kind, dict) = (plan.path.as_str(), plan.kind, plan.dict);
        let n = input.len;
        let leaf = input.leaf(path);
        if let Some(l) = leaf {
            if l.len() != n {
                return Err(internal(self.spec.name, path, format!("{} values for {n} rows", l.len())));
            }
        }
        let table = self.spec.name;
        let key_u8 = match dict.map(|d| self.dicts[d].mode) {
            Some(DictMode::U8) => Some(true),
            Some(DictMode::U16) => Some(false),
            _ => None,
        };
        if let (Some(key_u8), Some(d)) = (key_u8, dict) {
            let ipc = self.ipc;
            let state = &mut self.dicts[d];
            let mut keys: Vec<Option<u32>> = Vec::with_capacity(n);
            let width = fixed_width(kind);
            match leaf {
                None => keys.resize(n, None),
                Some(Leaf::Bytes(v)) => {
                    // Rows come sorted (attribute tables by key and value), so equal values
                    // arrive in runs: a run reuses its first row's index without a lookup.
                    let mut prev: Option<(&[u8], u32)> = None;
                    for x in v {
                        keys.push(match x {
                            None => None,
                            Some(b) => {
                                if width != 0 && b.len() != width {
                                    return Err(bad_width(table, path, width, b.len()));
                                }
                                let b: &[u8] = b;
                                match prev {
                                    Some((p, i)) if bytes_eq(p, b) => {
                                        state.values.inserted += 1;
                                        Some(i)
                                    }
                                    _ => {
                                        let i = state.values.index_of_bytes(b);
                                        prev = Some((b, i));
                                        Some(i)
                                    }
                                }
                            }
                        });
                    }
                }
                Some(Leaf::Ranked { values, ranks }) => {
                    // Each rank's index is found at its first row, so values are numbered in
                    // row order as for `Leaf::Bytes`; later rows count as inserted, as there.
                    let mut index: Vec<Option<Option<u32>>> = vec![None; values.len()];
                    let mut repeats = 0u64;
                    for &r in ranks {
                        let slot = &mut index[r as usize];
                        let key = match *slot {
                            Some(key) => {
                                repeats += u64::from(key.is_some());
                                key
                            }
                            None => {
                                let key = match &values[r as usize] {
                                    None => None,
                                    Some(b) if width != 0 && b.len() != width => return Err(bad_width(table, path, width, b.len())),
                                    Some(b) => Some(state.values.index_of_bytes(b)),
                                };
                                *slot = Some(key);
                                key
                            }
                        };
                        keys.push(key);
                    }
                    state.values.inserted += repeats;
                }
                Some(Leaf::I32(v)) => num_keys(&mut keys, &mut state.values, v.iter().map(|x| x.map(|x| x as i64))),
                Some(Leaf::I64(v)) => num_keys(&mut keys, &mut state.values, v.iter().copied()),
                Some(Leaf::U32(v)) => num_keys(&mut keys, &mut state.values, v.iter().map(|x| x.map(|x| x as i64))),
                Some(_) => return Err(internal(table, path, "unexpected value type for a dictionary column")),
            }
            // Keys beyond the key width are caught by check_overflow and the batch rebuilt.
            let array: ArrayRef = if key_u8 {
                let k = PrimitiveArray::<UInt8Type>::from_iter(keys.iter().map(|k| k.map(|k| k as u8)));
                if ipc {
                    Arc::new(k)
                } else {
                    Arc::new(DictionaryArray::<UInt8Type>::try_new(k, state.values.to_array()).map_err(|e| internal(table, path, e))?)
                }
            } else {
                let k = PrimitiveArray::<UInt16Type>::from_iter(keys.iter().map(|k| k.map(|k| k as u16)));
                if ipc {
                    Arc::new(k)
                } else {
                    Arc::new(DictionaryArray::<UInt16Type>::try_new(k, state.values.to_array()).map_err(|e| internal(table, path, e))?)
                }
            };
            return Ok(array);
        }
        let Some(leaf) = leaf else {
            return Ok(arrow_array::new_null_array(field.data_type(), n));
        };
        // A plain column of ranked values: one value per row.
        let expanded;
        let leaf = match leaf {
            Leaf::Ranked { values, ranks } => {
                expanded = Leaf::Bytes(ranks.iter().map(|&r| values[r as usize].clone()).collect());
                &expanded
            }
            other => other,
        };
        Ok(match (kind, leaf) {
            (LeafKind::U8, Leaf::U8(v)) => Arc::new(PrimitiveArray::<UInt8Type>::from(v.clone())),
            (LeafKind::U16, Leaf::U16(v)) => Arc::new(PrimitiveArray::<UInt16Type>::from(v.clone())),
            (LeafKind::U32, Leaf::U32(v)) => Arc::new(PrimitiveArray::<UInt32Type>::from(v.clone())),
            (LeafKind::U64, Leaf::U64(v)) => Arc::new(PrimitiveArray::<UInt64Type>::from(v.clone())),
            (LeafKind::I32, Leaf::I32(v)) => Arc::new(PrimitiveArray::<Int32Type>::from(v.clone())),
            (LeafKind::I64, Leaf::I64(v)) => Arc::new(PrimitiveArray::<Int64Type>::from(v.clone())),
            (LeafKind::F64, Leaf::F64(v)) => Arc::new(PrimitiveArray::<Float64Type>::from(v.clone())),
            (LeafKind::Bool, Leaf::Bool(v)) => Arc::new(BooleanArray::from(v.clone())),
            (LeafKind::Timestamp, Leaf::I64(v)) => {
                Arc::new(PrimitiveArray::<TimestampNanosecondType>::from(v.clone()).with_timezone("UTC"))
            }
            (LeafKind::Duration, Leaf::I64(v)) => Arc::new(PrimitiveArray::<DurationNanosecondType>::from(v.clone())),
            (LeafKind::Utf8, Leaf::Bytes(v)) => {
                // Safety: string columns only ever hold validated UTF-8.
                Arc::new(StringArray::from_iter(
                    v.iter().map(|x| x.as_deref().map(|b| unsafe { std::str::from_utf8_unchecked(b) })),
                ))
            }
            (LeafKind::Binary, Leaf::Bytes(v)) => Arc::new(BinaryArray::from_iter(v.iter().map(|x| x.as_deref()))),
            (LeafKind::Fsb8 | LeafKind::Fsb16, Leaf::Bytes(v)) => {
                let width = fixed_width(kind);
                for b in v.iter().flatten() {
                    if b.len() != width {
                        return Err(bad_width(table, path, width, b.len()));
                    }
                }
                Arc::new(
                    FixedSizeBinaryArray::try_from_sparse_iter_with_size(v.iter().map(|x| x.as_deref()), width as i32)
                        .map_err(|e| internal(table, path, e))?,
                )
            }
            _ => return Err(internal(table, path, "value type does not match the column kind")),
        })
    }
}

/// The dictionary columns of a plan, depth first: the order in which the IPC schema message
/// numbers dictionaries.
fn dictionary_order(plan: &[PlanColumn], out: &mut Vec<usize>) {
    for c in plan {
        match c {
            PlanColumn::Leaf(PlanLeaf { dict: Some(d), encoded: true, .. }) => out.push(*d),
            PlanColumn::Struct { children, .. } => dictionary_order(children, out),
            _ => {}
        }
    }
}


/// Dictionary keys of numeric values; a run of equal values reuses its first row's index.
fn num_keys(keys: &mut Vec<Option<u32>>, values: &mut DictValues, v: impl Iterator<Item = Option<i64>>) {
    let mut prev: Option<(i64, u32)> = None;
    keys.extend(v.map(|x| {
        x.map(|x| match prev {
            Some((p, i)) if p == x => {
                values.inserted += 1;
                i
            }
            _ => {
                let i = values.index_of_num(x);
                prev = Some((x, i));
                i
            }
        })
    }));
}

/// The byte width of a fixed-size binary kind; 0 for any other.
fn fixed_width(kind: LeafKind) -> usize {
    match kind {
        LeafKind::Fsb8 => 8,
        LeafKind::Fsb16 => 16,
        _ => 0,
    }
}

fn internal(table: &str, path: &str, e: impl std::fmt::Display) -> OtapError {
    OtapError::invalid_payload(format!("internal: {e}")).in_table(table).in_column(path)
}

fn bad_width(table: &str, path: &str, width: usize, got: usize) -> OtapError {
    OtapError::invalid_payload(format!("id must be {width} bytes (or empty), got {got}")).in_table(table).in_column(path)
}

fn leaf_kind_of(cols: &[ColumnSpec], path: &str) -> Option<LeafKind> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    for c in cols {
        if c.name() != head {
            continue;
        }
        return match (c, rest) {
            (ColumnSpec::Leaf { kind, .. }, None) => Some(*kind),
            (ColumnSpec::Struct { children, .. }, Some(r)) => leaf_kind_of(children, r),
            _ => None,
        };
    }
    None
}

fn list_item_field(item: &ColumnSpec) -> Field {
    match item {
        ColumnSpec::Struct { name, children, .. } => {
            let fields: Vec<Field> = children.iter().map(list_item_field).collect();
            Field::new(*name, DataType::Struct(Fields::from(fields)), true)
        }
        ColumnSpec::Leaf { name, kind, .. } => Field::new(*name, kind.data_type(), true),
        ColumnSpec::List { .. } => unreachable!("nested lists are not used by OTAP"),
    }
}

/// A list column: offsets from each row's item range; empty or missing rows are null.
fn build_list(item: &Arc<Field>, input: Option<&ListInput<'_>>, len: usize) -> ArrayRef {
    let mut offsets: Vec<i32> = Vec::with_capacity(len + 1);
    offsets.push(0);
    let mut valid = Vec::with_capacity(len);
    let mut picked: Vec<(u32, u32)> = Vec::new();
    let mut total = 0i32;
    for i in 0..len {
        let r = input.and_then(|l| l.rows[i]).filter(|(s, e)| e > s);
        if let Some((s, e)) = r {
            total += (e - s) as i32;
            picked.push((s, e));
        }
        valid.push(r.is_some());
        offsets.push(total);
    }
    let values: ArrayRef = match input.map(|l| &l.items) {
        Some(ListItems::U64(items)) => {
            Arc::new(UInt64Array::from_iter_values(picked.iter().flat_map(|&(s, e)| items[s as usize..e as usize].iter().copied())))
        }
        Some(ListItems::F64(items)) => Arc::new(Float64Array::from_iter_values(
            picked.iter().flat_map(|&(s, e)| items[s as usize..e as usize].iter().copied()),
        )),
        Some(ListItems::Quantile(items)) => {
            let q = Float64Array::from_iter_values(picked.iter().flat_map(|&(s, e)| items[s as usize..e as usize].iter().map(|x| x.0)));
            let v = Float64Array::from_iter_values(picked.iter().flat_map(|&(s, e)| items[s as usize..e as usize].iter().map(|x| x.1)));
            let DataType::Struct(fields) = item.data_type() else { unreachable!() };
            Arc::new(StructArray::new(fields.clone(), vec![Arc::new(q) as ArrayRef, Arc::new(v)], None))
        }
        None => arrow_array::new_empty_array(item.data_type()),
    };
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    Arc::new(ListArray::new(item.clone(), OffsetBuffer::new(ScalarBuffer::from(offsets)), values, nulls))
}

#[allow(dead_code)]
fn _assert_array(_: &dyn Array) {}
