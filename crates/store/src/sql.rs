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
                [$(stringify!($field)),*].iter().map(|f| stmt.column_index(f)).collect()
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
