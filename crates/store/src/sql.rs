//! Backend-neutral statements: SQL text with `$N` placeholders (which both
//! SQLite and PostgreSQL accept) and the values bound to them.

use sqlx::postgres::PgRow;
use sqlx::query::Query;
use sqlx::sqlite::SqliteRow;
use sqlx::{Database, FromRow};

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

    /// `?` placeholders when they can be, else `$N`.
    fn anonymous_text(&self) -> &str {
        self.anonymous.as_deref().unwrap_or(&self.text)
    }

    fn numbered_text(&self) -> &str {
        &self.text
    }

    pub(crate) fn query<DB: Backend>(&self) -> Query<'_, DB, DB::Arguments<'_>> {
        self.args
            .iter()
            .cloned()
            .fold(sqlx::query(DB::text(self)), DB::bind)
    }
}

/// A database the store runs on: it can bind every [`Value`].
pub(crate) trait Backend: Database {
    /// The statement's text as this backend takes it best.
    fn text(sql: &Sql) -> &str;

    fn bind<'q>(
        query: Query<'q, Self, Self::Arguments<'q>>,
        value: Value,
    ) -> Query<'q, Self, Self::Arguments<'q>>;
}

macro_rules! backend {
    ($($db:ty => $text:expr),+) => {$(
        impl Backend for $db {
            fn text(sql: &Sql) -> &str {
                $text(sql)
            }

            fn bind<'q>(
                query: Query<'q, Self, Self::Arguments<'q>>,
                value: Value,
            ) -> Query<'q, Self, Self::Arguments<'q>> {
                match value {
                    Value::Text(v) => query.bind(v),
                    Value::Int(v) => query.bind(v),
                    Value::Bool(v) => query.bind(v),
                }
            }
        }
    )+};
}

backend!(sqlx::Sqlite => Sql::anonymous_text, sqlx::Postgres => Sql::numbered_text);

/// A row type both backends can decode.
pub(crate) trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}
