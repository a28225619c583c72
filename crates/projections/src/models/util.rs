//! Helpers shared by the read models.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ProjectionError, Result};
use crate::sql::Tx;

/// An instant as nanoseconds since the Unix epoch (saturating outside 1677–2262).
pub(crate) fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Nanoseconds since the Unix epoch as an instant.
pub(crate) fn from_nanos(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

/// The serde name of a unit enum value (`snake_case` for the domain's statuses).
pub(crate) fn enum_name<T: Serialize + std::fmt::Debug>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => format!("{value:?}"),
    }
}

/// Loads an aggregate's folded state kept by a read model (`template` selects one `state` text
/// column by `$1` = id), or the default state.
pub(crate) async fn load_state<S: DeserializeOwned + Default>(
    tx: &mut Tx<'_>,
    template: &str,
    id: &str,
) -> Result<S> {
    match tx.query_opt(template, &[id.into()]).await? {
        Some(row) => Ok(serde_json::from_str(&row.text(0)?)?),
        None => Ok(S::default()),
    }
}

/// The folded state as stored text.
pub(crate) fn state_text<S: Serialize>(state: &S) -> Result<String> {
    serde_json::to_string(state).map_err(ProjectionError::from)
}

/// A keyset-paginated list query over one view: `SELECT {columns} FROM {table} WHERE … ORDER BY key`.
///
/// Filters are added with [`ListQuery::filter`] (a condition with one `?` for the value); the sort key
/// is a list of columns (integers or texts), ascending, and the cursor carries the last item's key.
pub(crate) struct ListQuery {
    tag: &'static str,
    select: String,
    conditions: Vec<String>,
    params: Vec<crate::sql::SqlValue>,
    order: &'static [(&'static str, bool)],
}

impl ListQuery {
    /// A query tagged `tag` (cursors of other queries are refused), selecting `columns` from the
    /// placeholder `table`, ordered by `order` (`(column, is_integer)`).
    pub(crate) fn new(
        tag: &'static str,
        columns: &str,
        table: &str,
        order: &'static [(&'static str, bool)],
    ) -> Self {
        Self {
            tag,
            select: format!("SELECT {columns} FROM {{{table}}}"),
            conditions: Vec::new(),
            params: Vec::new(),
            order,
        }
    }

    /// Adds a condition; its `?` stands for `value`.
    pub(crate) fn filter(
        mut self,
        condition: &str,
        value: impl Into<crate::sql::SqlValue>,
    ) -> Self {
        self.params.push(value.into());
        self.conditions
            .push(condition.replace('?', &format!("${}", self.params.len())));
        self
    }

    /// Adds a condition without a parameter.
    pub(crate) fn condition(mut self, condition: &str) -> Self {
        self.conditions.push(condition.to_owned());
        self
    }

    /// Adds a condition when `value` is present.
    pub(crate) fn filter_opt<V: Into<crate::sql::SqlValue>>(
        self,
        condition: &str,
        value: Option<V>,
    ) -> Self {
        match value {
            Some(v) => self.filter(condition, v),
            None => self,
        }
    }

    /// Runs the query for one page.
    pub(crate) async fn page<T>(
        mut self,
        db: &crate::db::ReadDb,
        names: &crate::sql::Names,
        page: &crate::page::PageRequest,
        map: impl Fn(&crate::sql::Row) -> Result<T>,
        key: impl Fn(&T) -> Vec<crate::sql::SqlValue>,
    ) -> Result<crate::page::Page<T>> {
        let columns: Vec<&str> = self.order.iter().map(|(c, _)| *c).collect();
        if let Some(cursor) = &page.after {
            let kinds: Vec<bool> = self.order.iter().map(|(_, int)| *int).collect();
            let values = cursor.decode(self.tag, &kinds)?;
            let first = self.params.len() + 1;
            self.params.extend(values);
            let slots: Vec<String> = (first..first + columns.len())
                .map(|n| format!("${n}"))
                .collect();
            self.conditions
                .push(format!("({}) > ({})", columns.join(", "), slots.join(", ")));
        }
        let limit = page.clamped_limit();
        self.params.push((limit + 1).into());
        let where_clause = if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        };
        let sql = format!(
            "{}{where_clause} ORDER BY {} LIMIT ${}",
            self.select,
            columns.join(", "),
            self.params.len()
        );
        let rows = db.query(names, &sql, self.params).await?;
        let items = rows.iter().map(map).collect::<Result<Vec<_>>>()?;
        Ok(crate::page::Page::from_fetched(items, limit, self.tag, key))
    }
}

/// A `YYYY-MM-DD` column as a date.
pub(crate) fn parse_date(index: usize, text: &str) -> Result<chrono::NaiveDate> {
    text.parse().map_err(|_| ProjectionError::Column {
        index,
        detail: format!("{text} is not a date"),
    })
}

/// A JSON text column as a value.
pub(crate) fn parse_json<T: DeserializeOwned>(index: usize, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| ProjectionError::Column {
        index,
        detail: format!("not the JSON expected: {e}"),
    })
}

/// A value as JSON text.
pub(crate) fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(ProjectionError::from)
}
