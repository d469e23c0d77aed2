//! RESOURCES and SCOPES, and the grouping of item rows under them (FORMAT.md "Grouping"):
//! resources in row order, each resource's scopes in row order, each scope's items in row
//! order. Two stable counting sorts: scope rows by resource, item rows by scope.

use super::cursor::{Cursor, U32s};
use super::ends::Ends;
use super::kv::KvArena;
use super::{malformed, rows_of};
use super::refs::Refs;
use crate::encode::row_order::{group_order, group_starts};
use crate::error::OtapError;
use crate::otlp::model::{ResourceGroup, Roots, ScopeGroup, Span32};

pub struct RootCols<'a> {
    resource_attrs: KvArena<'a>,
    resource_attr_end: Ends<'a>,
    resource_dropped: U32s<'a>,
    resource_schema_url: U32s<'a>,
    resources: usize,
    scope_attrs: KvArena<'a>,
    scope_resource: U32s<'a>,
    scope_name: U32s<'a>,
    scope_version: U32s<'a>,
    scope_schema_url: U32s<'a>,
    scope_attr_end: Ends<'a>,
    scope_dropped: U32s<'a>,
    scopes: usize,
}

impl<'a> RootCols<'a> {
    pub fn read(cur: &mut Cursor<'a>) -> Result<Self, OtapError> {
        let resource_attrs = KvArena::read(cur, "RESOURCES")?;
        let mut t = cur.table("RESOURCES");
        let resource_attr_end = Ends::check(t.u32s("attr_end")?, resource_attrs.rows(), t.name, "attr_end")?;
        let resource_dropped = t.u32s("dropped")?;
        let resource_schema_url = t.u32s("schema_url")?;
        let resources = t.rows();

        let scope_attrs = KvArena::read(cur, "SCOPES")?;
        let mut t = cur.table("SCOPES");
        let scope_resource = t.u32s("resource")?;
        let scope_name = t.u32s("name")?;
        let scope_version = t.u32s("version")?;
        let scope_schema_url = t.u32s("schema_url")?;
        let scope_attr_end = Ends::check(t.u32s("attr_end")?, scope_attrs.rows(), t.name, "attr_end")?;
        let scope_dropped = t.u32s("dropped")?;
        let scopes = t.rows();
        check_rows(scope_resource, resources, "SCOPES", "resource", "RESOURCES")?;
        Ok(RootCols {
            resource_attrs,
            resource_attr_end,
            resource_dropped,
            resource_schema_url,
            resources,
            scope_attrs,
            scope_resource,
            scope_name,
            scope_version,
            scope_schema_url,
            scope_attr_end,
            scope_dropped,
            scopes,
        })
    }

    /// Rows of SCOPES (what an item's `scope` column indexes).
    pub fn scopes(&self) -> usize {
        self.scopes
    }

    /// The grouped roots; `item(i)` builds item row `i` (called in grouped order).
    /// `item_scope` must have passed [`check_rows`] against [`RootCols::scopes`].
    pub fn roots<T>(
        &self,
        refs: &Refs<'a>,
        item_scope: U32s<'_>,
        mut item: impl FnMut(usize) -> Result<T, OtapError>,
    ) -> Result<Roots<'a, T>, OtapError> {
        let (r_count, s_count) = (self.resources, self.scopes);
        // Scope rows grouped by resource (stable).
        let res_start = group_starts(self.scope_resource.iter(), r_count);
        let scope_order = group_order(self.scope_resource.iter(), &res_start);
        // Item rows grouped by scope, the scopes in their grouped order.
        let mut per_scope = vec![0u32; s_count];
        for s in item_scope.iter() {
            per_scope[s as usize] += 1;
        }
        let mut item_start = vec![0u32; s_count];
        let mut acc = 0u32;
        for &s in &scope_order {
            item_start[s as usize] = acc;
            acc += per_scope[s as usize];
        }
        let item_order = group_order(item_scope.iter(), &item_start);

        let resources = (0..r_count)
            .map(|r| {
                Ok(ResourceGroup {
                    attrs: self.resource_attr_end.span(r),
                    dropped: self.resource_dropped.at(r),
                    schema_url: refs.string(self.resource_schema_url.at(r), "RESOURCES", "schema_url", r)?,
                    scopes: Span32 { start: res_start[r], end: res_start[r + 1] },
                })
            })
            .collect::<Result<Vec<_>, OtapError>>()?;
        let scopes = scope_order
            .iter()
            .map(|&s| {
                let s = s as usize;
                let string = |col: U32s<'_>, name| refs.string(col.at(s), "SCOPES", name, s);
                Ok(ScopeGroup {
                    name: string(self.scope_name, "name")?,
                    version: string(self.scope_version, "version")?,
                    attrs: self.scope_attr_end.span(s),
                    dropped: self.scope_dropped.at(s),
                    schema_url: string(self.scope_schema_url, "schema_url")?,
                    items: Span32 { start: item_start[s], end: item_start[s] + per_scope[s] },
                })
            })
            .collect::<Result<Vec<_>, OtapError>>()?;
        let items = rows_of(item_order.len(), |k| item(item_order[k] as usize))?;
        Ok(Roots {
            resources,
            scopes,
            resource_attrs: self.resource_attrs.build(refs)?,
            scope_attrs: self.scope_attrs.build(refs)?,
            items,
            interned_strings: true,
        })
    }
}

/// Every value of a row index column is below `rows`.
pub fn check_rows(
    col: U32s<'_>,
    rows: usize,
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> Result<(), OtapError> {
    match col.iter().position(|v| v as usize >= rows) {
        Some(i) => Err(malformed(table, column, format!("row {i}: {} is not a row of {target} ({rows} rows)", col.at(i)))),
        None => Ok(()),
    }
}
