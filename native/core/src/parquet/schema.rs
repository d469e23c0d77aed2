//! The Parquet file schema of each payload type, derived from its OTAP prototype
//! (`schema::table_spec`): the spec's columns in the spec's order, values plain (no
//! dictionaries), every id column (`id`, `resource.id`, `scope.id`, `parent_id`) UInt32 since
//! ids of a whole file set do not fit the wire's u16, ids nullable and `parent_id` not.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema};

use crate::rebatch::table_ids;
use crate::schema::{table_spec, ColumnSpec};

/// The Parquet (Arrow) schema of payload type `t`'s files, without schema metadata; None for
/// a number that is not an OTAP payload type.
pub fn parquet_schema(t: i32) -> Option<Schema> {
    let spec = table_spec(t)?;
    let ids = table_ids(t);
    let id_paths: Vec<&str> = ids.ids.iter().map(|c| c.path).collect();
    let parent = ids.parent.is_some();
    let fields: Vec<Field> = spec.columns.iter().map(|c| field(c, "", &id_paths, parent)).collect();
    Some(Schema::new(fields))
}

/// The schema of payload type `t` with schema-level metadata `metadata`.
pub(super) fn schema_with_metadata(t: i32, metadata: &[(String, String)]) -> Option<Schema> {
    let schema = parquet_schema(t)?;
    let md: HashMap<String, String> = metadata.iter().cloned().collect();
    Some(schema.with_metadata(md))
}

fn field(c: &ColumnSpec, prefix: &str, id_paths: &[&str], has_parent: bool) -> Field {
    let path = format!("{prefix}{}", c.name());
    match c {
        ColumnSpec::Leaf { name, kind, nullable, .. } => {
            if id_paths.contains(&path.as_str()) {
                Field::new(*name, DataType::UInt32, true)
            } else if has_parent && path == "parent_id" {
                Field::new(*name, DataType::UInt32, false)
            } else {
                Field::new(*name, kind.data_type(), *nullable)
            }
        }
        ColumnSpec::Struct { name, nullable, children } => {
            let children: Fields = children.iter().map(|ch| field(ch, &format!("{path}."), id_paths, has_parent)).collect();
            Field::new(*name, DataType::Struct(children), *nullable)
        }
        // List items hold no ids; their nullability is the spec's (as the encoder builds them).
        ColumnSpec::List { name, item } => Field::new(*name, DataType::List(Arc::new(field(item, &format!("{path}[]."), &[], false))), true),
    }
}

#[cfg(test)]
mod tests {
    use super::parquet_schema;
    use crate::bar::payload_type as T;
    use arrow_schema::{DataType, TimeUnit};

    #[test]
    fn ids_are_u32_and_types_plain() {
        let s = parquet_schema(T::SPANS).unwrap();
        assert_eq!(s.field_with_name("id").unwrap().data_type(), &DataType::UInt32);
        let DataType::Struct(res) = s.field_with_name("resource").unwrap().data_type() else { panic!() };
        assert_eq!(res[0].name(), "id");
        assert_eq!(res[0].data_type(), &DataType::UInt32);
        assert_eq!(s.field_with_name("name").unwrap().data_type(), &DataType::Utf8);
        assert_eq!(s.field_with_name("duration_time_unix_nano").unwrap().data_type(), &DataType::Duration(TimeUnit::Nanosecond));
        let a = parquet_schema(T::LOG_ATTRS).unwrap();
        let p = a.field_with_name("parent_id").unwrap();
        assert!(!p.is_nullable());
        assert_eq!(p.data_type(), &DataType::UInt32);
        assert_eq!(a.fields()[0].name(), "parent_id");
        assert!(parquet_schema(999).is_none());
    }
}
