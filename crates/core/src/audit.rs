//! The audit log: who created, changed or deleted what, when, and which
//! fields changed.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::UserId;
use crate::enums::domain_enum;

domain_enum! {
    /// What happened to the record.
    pub enum AuditAction {
        Create = ("create", "新建", "Created"),
        Update = ("update", "修改", "Updated"),
        Delete = ("delete", "删除", "Deleted"),
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `None` for the system itself (first start, demo data).
    pub actor_id: Option<UserId>,
    pub action: AuditAction,
    /// The kind of record: `customer`, `contact`, `activity`, `user`, `team`.
    pub entity: String,
    pub entity_id: String,
    /// `{field: {"from": old, "to": new}}` for every field that changed.
    pub changes: Value,
}

/// Bookkeeping fields that change on every write and say nothing by themselves.
const IGNORED: &[&str] = &["version", "updated_at", "created_at"];

/// The fields that differ between two snapshots of a record, as
/// `{field: {"from": old, "to": new}}`. A missing snapshot (create, delete)
/// counts as every field being null.
pub fn field_changes<T: Serialize>(before: Option<&T>, after: Option<&T>) -> Value {
    let to_map = |v: Option<&T>| match v.map(serde_json::to_value) {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    };
    let (before, after) = (to_map(before), to_map(after));
    let mut changes = Map::new();
    let keys = before
        .keys()
        .chain(after.keys().filter(|k| !before.contains_key(*k)));
    for key in keys {
        if IGNORED.contains(&key.as_str()) {
            continue;
        }
        let old = before.get(key).unwrap_or(&Value::Null);
        let new = after.get(key).unwrap_or(&Value::Null);
        if old != new {
            let mut change = Map::new();
            change.insert("from".into(), old.clone());
            change.insert("to".into(), new.clone());
            changes.insert(key.clone(), Value::Object(change));
        }
    }
    Value::Object(changes)
}

/// The changes of a record an import created or changed: the file and line
/// it came from under `"import"`, beside the changed fields of
/// [`field_changes`] for a change (`Value::Null` for a creation). A created
/// record's fields are not listed: they are its first version and that line
/// of the file, and each later change records what it changed them from.
pub fn imported(file: &str, line: usize, changes: Value) -> Value {
    let mut changes = match changes {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    changes.insert("import".into(), json!({"file": file, "line": line}));
    Value::Object(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize)]
    struct R {
        name: &'static str,
        city: Option<&'static str>,
        version: i64,
    }

    #[test]
    fn only_changed_fields_are_recorded() {
        let a = R {
            name: "海信",
            city: None,
            version: 1,
        };
        let b = R {
            name: "海信",
            city: Some("青岛"),
            version: 2,
        };
        assert_eq!(
            field_changes(Some(&a), Some(&b)),
            json!({"city": {"from": null, "to": "青岛"}})
        );
    }

    #[test]
    fn an_import_names_its_file_and_line_beside_the_changed_fields() {
        let a = R {
            name: "海信",
            city: None,
            version: 1,
        };
        let b = R {
            name: "海信",
            city: Some("青岛"),
            version: 2,
        };
        assert_eq!(
            imported("customers.csv", 7, Value::Null),
            json!({"import": {"file": "customers.csv", "line": 7}})
        );
        assert_eq!(
            imported("customers.csv", 7, field_changes(Some(&a), Some(&b))),
            json!({
                "city": {"from": null, "to": "青岛"},
                "import": {"file": "customers.csv", "line": 7}
            })
        );
    }

    #[test]
    fn a_create_records_every_non_null_field() {
        let b = R {
            name: "海信",
            city: None,
            version: 1,
        };
        assert_eq!(
            field_changes(None, Some(&b)),
            json!({"name": {"from": null, "to": "海信"}})
        );
    }
}
