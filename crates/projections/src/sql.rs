//! The small SQL layer the projections write through, the same on SQLite and PostgreSQL.
//!
//! Statements are written once, in the common subset of both dialects, as *templates*:
//!
//! - parameters are `$1`, `$2`, … (rewritten to `?1`, `?2`, … for SQLite);
//! - a table is named by its placeholder `{name}`, which the runner renders as the table of the generation
//!   being written (`rm_audit_v3_events`) and a query renders as the stable view (`rm_audit_events`).
//!   Index names are built the same way (`{events}_by_case`). Only names the projection declared in
//!   [`crate::Projection::tables`] are accepted, so no identifier is ever built from data.
//!
//! Values are 64-bit integers and text only (instants as nanoseconds since the Unix epoch, flags as 0 / 1,
//! structured values as JSON text), which both dialects store and compare alike.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;

use rusqlite::types::{ToSqlOutput, ValueRef};
use sqlx::postgres::PgRow;
use sqlx::{Column, PgConnection, Row as _, TypeInfo};

use crate::error::{ProjectionError, Result};

/// The SQL dialect of a read-model database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite (the store's file).
    Sqlite,
    /// PostgreSQL (the store's database).
    Postgres,
}

/// A statement parameter. Nulls are typed so that PostgreSQL accepts them for any column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlValue {
    /// A 64-bit integer, or a null integer.
    Int(Option<i64>),
    /// A text, or a null text.
    Text(Option<String>),
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}

impl From<u64> for SqlValue {
    fn from(v: u64) -> Self {
        Self::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

impl From<u32> for SqlValue {
    fn from(v: u32) -> Self {
        Self::Int(Some(i64::from(v)))
    }
}

impl From<bool> for SqlValue {
    fn from(v: bool) -> Self {
        Self::Int(Some(i64::from(v)))
    }
}

impl From<Option<i64>> for SqlValue {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}

impl From<&String> for SqlValue {
    fn from(v: &String) -> Self {
        Self::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for SqlValue {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}

impl From<Option<&str>> for SqlValue {
    fn from(v: Option<&str>) -> Self {
        Self::Text(v.map(str::to_owned))
    }
}

impl rusqlite::ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            SqlValue::Int(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            SqlValue::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            SqlValue::Int(None) | SqlValue::Text(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

/// One value of a result row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// SQL null.
    Null,
    /// An integer.
    Int(i64),
    /// A floating-point number (only from aggregate expressions).
    Real(f64),
    /// A text.
    Text(String),
}

/// One result row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row(pub Vec<Cell>);

impl Row {
    fn cell(&self, index: usize) -> Result<&Cell> {
        self.0.get(index).ok_or(ProjectionError::Column {
            index,
            detail: "no such column".into(),
        })
    }

    fn wrong(index: usize, wanted: &str, found: &Cell) -> ProjectionError {
        ProjectionError::Column {
            index,
            detail: format!("expected {wanted}, found {found:?}"),
        }
    }

    /// An integer column that may be null.
    pub fn opt_i64(&self, index: usize) -> Result<Option<i64>> {
        match self.cell(index)? {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(*v)),
            other => Err(Self::wrong(index, "an integer", other)),
        }
    }

    /// A non-null integer column.
    pub fn i64(&self, index: usize) -> Result<i64> {
        self.opt_i64(index)?.ok_or_else(|| ProjectionError::Column {
            index,
            detail: "unexpected null".into(),
        })
    }

    /// A non-null, non-negative integer column.
    pub fn u64(&self, index: usize) -> Result<u64> {
        let v = self.i64(index)?;
        u64::try_from(v).map_err(|_| ProjectionError::Column {
            index,
            detail: format!("{v} is negative"),
        })
    }

    /// A 0 / 1 flag column.
    pub fn bool(&self, index: usize) -> Result<bool> {
        Ok(self.i64(index)? != 0)
    }

    /// A text column that may be null.
    pub fn opt_text(&self, index: usize) -> Result<Option<String>> {
        match self.cell(index)? {
            Cell::Null => Ok(None),
            Cell::Text(v) => Ok(Some(v.clone())),
            other => Err(Self::wrong(index, "a text", other)),
        }
    }

    /// A non-null text column.
    pub fn text(&self, index: usize) -> Result<String> {
        self.opt_text(index)?
            .ok_or_else(|| ProjectionError::Column {
                index,
                detail: "unexpected null".into(),
            })
    }
}

/// The concrete identifiers a template's `{placeholders}` stand for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    dialect: Dialect,
    pairs: Vec<(String, String)>,
}

impl Names {
    /// Placeholders of `tables` rendered as the tables of generation `generation` of `projection`.
    pub(crate) fn generation(
        dialect: Dialect,
        projection: &str,
        generation: i64,
        tables: &[&str],
    ) -> Self {
        Self {
            dialect,
            pairs: tables
                .iter()
                .map(|t| ((*t).to_owned(), generation_table(projection, generation, t)))
                .collect(),
        }
    }

    /// Placeholders of `tables` rendered as the stable views that queries read.
    pub(crate) fn views(dialect: Dialect, projection: &str, tables: &[&str]) -> Self {
        Self {
            dialect,
            pairs: tables
                .iter()
                .map(|t| ((*t).to_owned(), view_name(projection, t)))
                .collect(),
        }
    }

    /// No placeholders (registry statements).
    pub(crate) fn none(dialect: Dialect) -> Self {
        Self {
            dialect,
            pairs: Vec::new(),
        }
    }

    /// The dialect templates are rendered for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Renders a template: placeholders to identifiers, `$n` to `?n` on SQLite.
    pub fn render(&self, template: &str) -> Result<String> {
        let mut out = String::with_capacity(template.len() + 32);
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(ch) => name.push(ch),
                            None => {
                                return Err(ProjectionError::Definition(format!(
                                    "unterminated placeholder in: {template}"
                                )));
                            }
                        }
                    }
                    let (_, ident) =
                        self.pairs.iter().find(|(p, _)| *p == name).ok_or_else(|| {
                            ProjectionError::Definition(format!(
                                "unknown table placeholder {{{name}}} in: {template}"
                            ))
                        })?;
                    out.push_str(ident);
                }
                '$' if self.dialect == Dialect::Sqlite
                    && chars.peek().is_some_and(char::is_ascii_digit) =>
                {
                    out.push('?');
                }
                _ => out.push(c),
            }
        }
        Ok(out)
    }
}

/// `rm_<projection>_v<generation>_<table>`.
pub(crate) fn generation_table(projection: &str, generation: i64, table: &str) -> String {
    format!("rm_{projection}_v{generation}_{table}")
}

/// `rm_<projection>_<table>`.
pub(crate) fn view_name(projection: &str, table: &str) -> String {
    format!("rm_{projection}_{table}")
}

/// Checks a projection or table name: `[a-z][a-z0-9_]*`, at most 20 bytes, so that every identifier built
/// from it stays within PostgreSQL's 63 bytes.
pub(crate) fn check_identifier(kind: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 20
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ProjectionError::Definition(format!(
            "{kind} name {name:?} must match [a-z][a-z0-9_]* and be at most 20 bytes"
        )))
    }
}

pub(crate) fn sqlite_execute(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[SqlValue],
) -> Result<u64> {
    let mut stmt = conn.prepare_cached(sql)?;
    let n = stmt.execute(rusqlite::params_from_iter(params.iter()))?;
    Ok(n as u64)
}

pub(crate) fn sqlite_query(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[SqlValue],
) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut cells = Vec::with_capacity(columns);
        for i in 0..columns {
            cells.push(match r.get_ref(i)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(v) => Cell::Int(v),
                ValueRef::Real(v) => Cell::Real(v),
                ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Cell::Text(hex::encode(b)),
            });
        }
        out.push(Row(cells));
    }
    Ok(out)
}

fn pg_bind<'q>(
    sql: &'q str,
    params: &'q [SqlValue],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let mut q = sqlx::query(sql);
    for p in params {
        q = match p {
            SqlValue::Int(v) => q.bind(*v),
            SqlValue::Text(v) => q.bind(v.as_deref()),
        };
    }
    q
}

pub(crate) async fn pg_execute(
    conn: &mut PgConnection,
    sql: &str,
    params: &[SqlValue],
) -> Result<u64> {
    let executor = conn;
    Ok(pg_bind(sql, params)
        .execute(executor)
        .await?
        .rows_affected())
}

fn pg_raw<'c>(conn: &'c mut PgConnection, sql: &'c str) -> BoxFuture<'c, Result<()>> {
    Box::pin(async move {
        sqlx::Executor::execute(conn, sql).await?;
        Ok(())
    })
}

pub(crate) async fn pg_pool_query(
    pool: &sqlx::PgPool,
    sql: &str,
    params: &[SqlValue],
) -> Result<Vec<Row>> {
    let rows = pg_bind(sql, params).fetch_all(pool).await?;
    rows.iter().map(pg_row).collect()
}

pub(crate) async fn pg_query(
    conn: &mut PgConnection,
    sql: &str,
    params: &[SqlValue],
) -> Result<Vec<Row>> {
    let executor = conn;
    let rows = pg_bind(sql, params).fetch_all(executor).await?;
    rows.iter().map(pg_row).collect()
}

fn pg_row(row: &PgRow) -> Result<Row> {
    let mut cells = Vec::with_capacity(row.columns().len());
    for (i, column) in row.columns().iter().enumerate() {
        let cell = match column.type_info().name() {
            "INT8" => row
                .try_get::<Option<i64>, _>(i)?
                .map_or(Cell::Null, Cell::Int),
            "INT4" => row
                .try_get::<Option<i32>, _>(i)?
                .map_or(Cell::Null, |v| Cell::Int(i64::from(v))),
            "INT2" => row
                .try_get::<Option<i16>, _>(i)?
                .map_or(Cell::Null, |v| Cell::Int(i64::from(v))),
            "BOOL" => row
                .try_get::<Option<bool>, _>(i)?
                .map_or(Cell::Null, |v| Cell::Int(i64::from(v))),
            "FLOAT8" => row
                .try_get::<Option<f64>, _>(i)?
                .map_or(Cell::Null, Cell::Real),
            "TEXT" | "VARCHAR" | "NAME" | "BPCHAR" => row
                .try_get::<Option<String>, _>(i)?
                .map_or(Cell::Null, Cell::Text),
            "VOID" => Cell::Null,
            other => {
                return Err(ProjectionError::Column {
                    index: i,
                    detail: format!("unsupported PostgreSQL type {other}"),
                });
            }
        };
        cells.push(cell);
    }
    Ok(Row(cells))
}

/// A projection's transaction: the statements of one batch of events and the checkpoint that commits
/// with them.
pub struct Tx<'a> {
    conn: TxConn<'a>,
    names: Arc<Names>,
}

pub(crate) enum TxConn<'a> {
    Sqlite(&'a mut rusqlite::Connection),
    Postgres(&'a mut PgConnection),
}

impl fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx")
            .field("dialect", &self.names.dialect())
            .field("names", &self.names.pairs())
            .finish_non_exhaustive()
    }
}

impl<'a> Tx<'a> {
    pub(crate) fn new(conn: TxConn<'a>, names: Arc<Names>) -> Self {
        Self { conn, names }
    }

    /// The dialect of the database.
    pub fn dialect(&self) -> Dialect {
        self.names.dialect()
    }

    /// The identifier a table placeholder stands for in this transaction.
    pub fn table(&self, placeholder: &str) -> Option<&str> {
        self.names
            .pairs()
            .iter()
            .find(|(p, _)| *p == placeholder)
            .map(|(_, ident)| ident.as_str())
    }

    /// Runs one statement (a template, see the module documentation); returns the rows affected.
    pub fn execute<'s>(
        &'s mut self,
        template: &'s str,
        params: &'s [SqlValue],
    ) -> BoxFuture<'s, Result<u64>> {
        Box::pin(async move {
            let sql = self.names.render(template)?;
            match &mut self.conn {
                TxConn::Sqlite(conn) => sqlite_execute(conn, &sql, params),
                TxConn::Postgres(conn) => pg_execute(conn, &sql, params).await,
            }
        })
    }

    /// Runs one query (a template); returns every row.
    pub fn query<'s>(
        &'s mut self,
        template: &'s str,
        params: &'s [SqlValue],
    ) -> BoxFuture<'s, Result<Vec<Row>>> {
        Box::pin(async move {
            let sql = self.names.render(template)?;
            match &mut self.conn {
                TxConn::Sqlite(conn) => sqlite_query(conn, &sql, params),
                TxConn::Postgres(conn) => pg_query(conn, &sql, params).await,
            }
        })
    }

    /// Runs one query expected to return at most one row.
    pub fn query_opt<'s>(
        &'s mut self,
        template: &'s str,
        params: &'s [SqlValue],
    ) -> BoxFuture<'s, Result<Option<Row>>> {
        Box::pin(async move { Ok(self.query(template, params).await?.into_iter().next()) })
    }

    /// Runs statements without parameters, separated by `;` (DDL), after rendering.
    pub(crate) fn batch<'s>(&'s mut self, template: &'s str) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            let sql = self.names.render(template)?;
            self.raw(&sql).await
        })
    }

    /// Runs statements without parameters, separated by `;`, as they are.
    pub(crate) fn raw<'s>(&'s mut self, sql: &'s str) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            match &mut self.conn {
                TxConn::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
                TxConn::Postgres(conn) => pg_raw(conn, sql).await,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_placeholders_and_parameters() {
        let names = Names::generation(Dialect::Sqlite, "audit", 3, &["events"]);
        assert_eq!(
            names
                .render("INSERT INTO {events} (a) VALUES ($1, $12)")
                .unwrap(),
            "INSERT INTO rm_audit_v3_events (a) VALUES (?1, ?12)"
        );
        let names = Names::views(Dialect::Postgres, "audit", &["events"]);
        assert_eq!(
            names
                .render("CREATE INDEX {events}_x ON {events} ($1)")
                .unwrap(),
            "CREATE INDEX rm_audit_events_x ON rm_audit_events ($1)"
        );
        assert!(names.render("SELECT * FROM {other}").is_err());
        assert!(names.render("SELECT {events").is_err());
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(check_identifier("projection", "audit").is_ok());
        assert!(check_identifier("projection", "open_deadlines2").is_ok());
        for bad in [
            "",
            "Audit",
            "1a",
            "a-b",
            "a b",
            "a;drop",
            "abcdefghijklmnopqrstu",
        ] {
            assert!(check_identifier("projection", bad).is_err(), "{bad}");
        }
    }
}
