//! Backend-neutral statements: SQL text with `$N` placeholders (which both
//! SQLite and PostgreSQL accept) and the values bound to them.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{FromRow, Postgres};

/// A value bound to a placeholder, in its storage representation.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_owned()))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

/// A statement and its arguments, built without knowing the backend.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    text: String,
    /// The same statement with anonymous `?` placeholders, while every
    /// placeholder was appended by [`Sql::push_bind`] (so in argument
    /// order). SQLite finds a `$N` parameter's name by walking a list, which
    /// makes binding quadratic in the number of parameters; `?` has no name.
    anonymous: Option<String>,
    args: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        Sql {
            anonymous: (!text.contains('$')).then(|| text.clone()),
            text,
            args: Vec::new(),
        }
    }

    /// Binds the next `$N` already written in the text.
    pub(crate) fn arg(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self.anonymous = None;
        self
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        if text.contains('$') {
            self.anonymous = None;
        } else if let Some(anonymous) = &mut self.anonymous {
            anonymous.push_str(text);
        }
        self
    }

    /// Appends a new placeholder bound to `value`.
    pub(crate) fn push_bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.args.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        if let Some(anonymous) = &mut self.anonymous {
            anonymous.push('?');
        }
        self
    }

    /// Appends `$a, $b, ...` bound to `values`.
    pub(crate) fn push_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(v);
        }
    }

    /// The text SQLite prepares: `?` placeholders when they can be, else `$N`.
    pub(crate) fn lite_text(&self) -> &str {
        self.anonymous.as_deref().unwrap_or(&self.text)
    }

    /// Binds the arguments to a statement prepared from [`Sql::lite_text`]:
    /// a `$N` parameter to the Nth argument, an anonymous one to the next.
    pub(crate) fn bind_lite(&self, stmt: &mut rusqlite::Statement<'_>) -> rusqlite::Result<()> {
        let count = stmt.parameter_count();
        if count != self.args.len() {
            return Err(rusqlite::Error::InvalidParameterCount(
                self.args.len(),
                count,
            ));
        }
        for i in 1..=count {
            let n = stmt
                .parameter_name(i)
                .and_then(|name| name.strip_prefix('$')?.parse::<usize>().ok())
                .unwrap_or(i);
            let value = self
                .args
                .get(n.wrapping_sub(1))
                .ok_or(rusqlite::Error::InvalidParameterCount(n, self.args.len()))?;
            match value {
                Value::Text(v) => stmt.raw_bind_parameter(i, v)?,
                Value::Int(v) => stmt.raw_bind_parameter(i, v)?,
                Value::Bool(v) => stmt.raw_bind_parameter(i, v)?,
            }
        }
        Ok(())
    }

    /// The statement for PostgreSQL, with its `$N` text.
    pub(crate) fn query(&self) -> Query<'_, Postgres, PgArguments> {
        self.args
            .iter()
            .cloned()
            .fold(sqlx::query(&self.text), |query, value| match value {
                Value::Text(v) => query.bind(v),
                Value::Int(v) => query.bind(v),
                Value::Bool(v) => query.bind(v),
            })
    }
}

/// A row type both backends can decode.
pub(crate) trait Row: for<'r> FromRow<'r, PgRow> + LiteRow + Send + Unpin {}

impl<T> Row for T where T: for<'r> FromRow<'r, PgRow> + LiteRow + Send + Unpin {}

/// A row type decoded from SQLite: its columns are found by name once per
/// statement ([`LiteRow::plan`]), then read by position from each row.
pub(crate) trait LiteRow: Sized {
    /// The position in the statement's columns of each value the row reads.
    fn plan(stmt: &rusqlite::Statement<'_>) -> rusqlite::Result<Vec<usize>>;

    fn from_lite(row: &rusqlite::Row<'_>, at: &[usize]) -> rusqlite::Result<Self>;
}

/// The positions of the columns `names` among the statement's. A statement
/// mostly selects them in that order (`SELECT {CUSTOMER_COLUMNS} ...`):
/// then each name is checked once, at its place. Otherwise each is looked
/// up by name, against every column: for a row of 25 columns that was 300
/// name comparisons per statement run, about 4 % of the server's CPU under
/// log-activity load (docs/PERFORMANCE.md).
pub(crate) fn columns_named(
    stmt: &rusqlite::Statement<'_>,
    names: &[&str],
) -> rusqlite::Result<Vec<usize>> {
    let in_order = names.len() <= stmt.column_count()
        && names
            .iter()
            .enumerate()
            .all(|(i, name)| stmt.column_name(i).is_ok_and(|c| c == *name));
    if in_order {
        return Ok((0..names.len()).collect());
    }
    names.iter().map(|name| stmt.column_index(name)).collect()
}

/// The value a row reads `k`-th, at the position its plan found.
pub(crate) fn column<T: rusqlite::types::FromSql>(
    row: &rusqlite::Row<'_>,
    at: &[usize],
    k: usize,
) -> rusqlite::Result<T> {
    row.get(at.get(k).copied().unwrap_or(usize::MAX))
}

/// Declares a row struct decoded by name on both backends: sqlx's
/// `FromRow` for PostgreSQL and [`LiteRow`] for SQLite.
macro_rules! row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($fvis:vis $field:ident : $ty:ty),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(sqlx::FromRow)]
        $vis struct $name { $($fvis $field: $ty),* }

        impl $crate::sql::LiteRow for $name {
            fn plan(stmt: &rusqlite::Statement<'_>) -> rusqlite::Result<Vec<usize>> {
                $crate::sql::columns_named(stmt, &[$(stringify!($field)),*])
            }

            fn from_lite(row: &rusqlite::Row<'_>, at: &[usize]) -> rusqlite::Result<Self> {
                let mut k = 0..;
                Ok($name {
                    $($field: $crate::sql::column(row, at, k.next().unwrap_or(usize::MAX))?),*
                })
            }
        }
    };
}
pub(crate) use row;

/// Tuples are decoded by position.
macro_rules! tuple_rows {
    ($(($($t:ident),+)),+) => {$(
        impl<$($t: rusqlite::types::FromSql),+> LiteRow for ($($t,)+) {
            fn plan(stmt: &rusqlite::Statement<'_>) -> rusqlite::Result<Vec<usize>> {
                Ok((0..stmt.column_count()).collect())
            }

            fn from_lite(row: &rusqlite::Row<'_>, at: &[usize]) -> rusqlite::Result<Self> {
                let mut k = 0..;
                Ok(($(column::<$t>(row, at, k.next().unwrap_or(usize::MAX))?,)+))
            }
        }
    )+};
}

tuple_rows!((A), (A, B));

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(select: &str) -> rusqlite::Result<Vec<usize>> {
        let conn = rusqlite::Connection::open_in_memory()?;
        let stmt = conn.prepare(select)?;
        columns_named(&stmt, &["id", "name", "city"])
    }

    #[test]
    fn columns_are_found_in_order_out_of_order_and_among_others() {
        let found = [
            ("SELECT 1 AS id, 2 AS name, 3 AS city", vec![0, 1, 2]),
            (
                "SELECT 1 AS id, 2 AS name, 3 AS city, 4 AS extra",
                vec![0, 1, 2],
            ),
            ("SELECT 3 AS city, 1 AS id, 2 AS name", vec![1, 2, 0]),
            (
                "SELECT 0 AS extra, 1 AS id, 2 AS name, 3 AS city",
                vec![1, 2, 3],
            ),
            // By name, as SQLite compares names: without regard to case.
            ("SELECT 1 AS ID, 2 AS Name, 3 AS city", vec![0, 1, 2]),
        ];
        for (select, at) in found {
            let positions = positions(select).map_err(|e| e.to_string());
            assert_eq!(positions, Ok(at), "{select}");
        }
        assert!(positions("SELECT 1 AS id, 2 AS name").is_err());
    }
}
