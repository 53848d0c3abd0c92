//! Keyset pagination: the opaque cursor is the sort key and id of the last
//! row of a page, as base64url JSON. Pages never use OFFSET.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value as Json, json};
use tuoke_app::ports::{PageRequest, StoreError};
use uuid::Uuid;

use crate::sql::{Sql, Value};

/// The sort key of a row, besides its id.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Key {
    /// Sorted by id alone.
    None,
    Text(String),
    Int(i64),
}

/// The order of a list: by `key`, then by `id`, both in the same direction.
pub(crate) struct Order {
    pub key: SortKey,
    pub id: &'static str,
    pub desc: bool,
}

/// The SQL expression a list is sorted by before the id, and its type.
#[derive(Clone, Copy)]
pub(crate) enum SortKey {
    IdOnly,
    Text(&'static str),
    Int(&'static str),
}

impl SortKey {
    fn expr(self) -> Option<&'static str> {
        match self {
            SortKey::IdOnly => None,
            SortKey::Text(e) | SortKey::Int(e) => Some(e),
        }
    }
}

impl Order {
    /// Appends the keyset condition for the page after `cursor`, the order
    /// and the limit (one more row than asked, to know if a next page exists).
    pub(crate) fn push_page(&self, sql: &mut Sql, page: &PageRequest) -> Result<(), StoreError> {
        let cmp = if self.desc { " < " } else { " > " };
        if let Some(cursor) = &page.cursor {
            let (key, id) = decode(cursor)?;
            // A cursor of another list (another key type) is refused, not
            // compared with values of a different type.
            match (self.key, key) {
                (SortKey::IdOnly, Key::None) => {
                    sql.push(" AND ").push(self.id).push(cmp).push_bind(id);
                }
                (SortKey::Text(expr), key @ Key::Text(_))
                | (SortKey::Int(expr), key @ Key::Int(_)) => {
                    sql.push(" AND (").push(expr).push(", ").push(self.id);
                    sql.push(")").push(cmp).push("(").push_bind(key).push(", ");
                    sql.push_bind(id).push(")");
                }
                _ => return Err(StoreError::InvalidCursor),
            }
        }
        let dir = if self.desc { " DESC" } else { " ASC" };
        sql.push(" ORDER BY ");
        if let Some(expr) = self.key.expr() {
            sql.push(expr).push(dir).push(", ");
        }
        sql.push(self.id).push(dir).push(" LIMIT ");
        sql.push_bind(i64::from(limit(page)) + 1);
        Ok(())
    }
}

impl From<Key> for Value {
    fn from(key: Key) -> Self {
        match key {
            Key::None => Value::Text(None),
            Key::Text(s) => Value::Text(Some(s)),
            Key::Int(i) => Value::Int(Some(i)),
        }
    }
}

/// The page size asked for, within 1..=500.
pub(crate) fn limit(page: &PageRequest) -> u32 {
    page.limit.clamp(1, PageRequest::MAX_LIMIT)
}

/// Cuts the extra row fetched by [`Order::push_page`] and makes the cursor
/// of the next page from the last row kept.
pub(crate) fn paginate<R>(
    mut rows: Vec<R>,
    page: &PageRequest,
    key_of: impl Fn(&R) -> (Key, String),
) -> (Vec<R>, Option<String>) {
    let limit = limit(page) as usize;
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(|last| {
        let (key, id) = key_of(last);
        encode(key, &id)
    });
    (rows, next)
}

fn encode(key: Key, id: &str) -> String {
    let key = match key {
        Key::None => Json::Null,
        Key::Text(s) => Json::String(s),
        Key::Int(i) => json!(i),
    };
    URL_SAFE_NO_PAD.encode(json!([key, id]).to_string())
}

fn decode(cursor: &str) -> Result<(Key, String), StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::InvalidCursor)?;
    let json: Json = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    let [key, Json::String(id)] = json.as_array().map(Vec::as_slice).unwrap_or_default() else {
        return Err(StoreError::InvalidCursor);
    };
    // Ids are stored hyphenated lower case; anything else is not one of ours.
    let id = Uuid::parse_str(id)
        .map_err(|_| StoreError::InvalidCursor)?
        .hyphenated()
        .to_string();
    let key = match key {
        Json::Null => Key::None,
        Json::String(s) => Key::Text(s.clone()),
        Json::Number(n) => Key::Int(n.as_i64().ok_or(StoreError::InvalidCursor)?),
        _ => return Err(StoreError::InvalidCursor),
    };
    Ok((key, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_decodes_to_what_was_encoded() {
        let id = "01912345-6789-7abc-8def-0123456789ab";
        for key in [Key::None, Key::Text("海信".into()), Key::Int(-42)] {
            assert_eq!(decode(&encode(key.clone(), id)).unwrap(), (key, id.into()));
        }
    }

    #[test]
    fn garbled_cursors_are_refused() {
        for bad in [
            "",
            "!!",
            "bm90IGpzb24",
            &URL_SAFE_NO_PAD.encode("[1, \"x\"]"),
        ] {
            assert!(
                matches!(decode(bad), Err(StoreError::InvalidCursor)),
                "{bad}"
            );
        }
    }
}
