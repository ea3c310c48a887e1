//! Generic row I/O for ledgered tables, driven by each table's [`TableSpec`].

use crate::platform::store::StoreError;
use catalyst_core::record::{ColumnType, Row, TableSpec};
use serde_json::Value;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Row as _};

pub(crate) type AnyQuery<'q> = Query<'q, Any, AnyArguments>;

pub(crate) fn column_list(spec: &TableSpec) -> String {
    spec.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

pub(crate) fn select_sql(spec: &TableSpec, tail: &str) -> String {
    format!("SELECT {} FROM {} {tail}", column_list(spec), spec.table)
}

pub(crate) fn insert_sql(spec: &TableSpec) -> String {
    let params: Vec<String> = (1..=spec.columns.len()).map(|i| format!("${i}")).collect();
    format!("INSERT INTO {} ({}) VALUES ({})", spec.table, column_list(spec), params.join(", "))
}

/// `UPDATE … SET` every column but `id`, keyed by `id` as the last parameter.
pub(crate) fn update_sql(spec: &TableSpec) -> (String, Vec<&'static str>) {
    let columns: Vec<&'static str> = spec.columns.iter().map(|c| c.name).filter(|c| *c != "id").collect();
    let sets: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
    let sql = format!("UPDATE {} SET {} WHERE id = ${}", spec.table, sets.join(", "), columns.len() + 1);
    (sql, columns)
}

pub(crate) fn query_owned(sql: String) -> AnyQuery<'static> {
    sqlx::query(AssertSqlSafe(sql))
}

/// Binds one column's value from a row, with the declared type even when null (PostgreSQL
/// needs a typed null).
pub(crate) fn bind_value<'q>(
    query: AnyQuery<'q>,
    spec: &TableSpec,
    column: &str,
    row: &Row,
) -> Result<AnyQuery<'q>, StoreError> {
    let col =
        spec.column(column).ok_or_else(|| StoreError::Internal(format!("{}.{column} is not declared", spec.table)))?;
    let value = row.get(column).unwrap_or(&Value::Null);
    Ok(match (col.ty, value) {
        (ColumnType::Text, Value::String(s)) => query.bind(Some(s.clone())),
        (ColumnType::Text, Value::Null) => query.bind(None::<String>),
        (ColumnType::Integer, Value::Number(n)) => query.bind(n.as_i64()),
        (ColumnType::Integer, Value::Null) => query.bind(None::<i64>),
        _ => return Err(StoreError::Internal(format!("{}.{column}: value of the wrong type", spec.table))),
    })
}

/// Selects one row of a table by its id.
pub(crate) fn by_id(spec: &TableSpec, id: &str) -> AnyQuery<'static> {
    query_owned(select_sql(spec, "WHERE id = $1")).bind(id.to_owned())
}

/// Decodes a row selected with [`column_list`] into the JSON form the ledger uses.
pub(crate) fn decode_row(spec: &TableSpec, row: &AnyRow) -> Result<Row, StoreError> {
    let mut out = Row::new();
    for (i, col) in spec.columns.iter().enumerate() {
        let value = match col.ty {
            ColumnType::Text => row.try_get::<Option<String>, _>(i)?.map(Value::String),
            ColumnType::Integer => row.try_get::<Option<i64>, _>(i)?.map(|n| Value::Number(n.into())),
        };
        out.insert(col.name.to_owned(), value.unwrap_or(Value::Null));
    }
    Ok(out)
}

impl crate::platform::store::Store {
    /// Reads one record by id.
    pub async fn get<R: catalyst_core::record::Record>(&self, id: &str) -> Result<Option<R>, StoreError> {
        self.get_row(R::SPEC, id).await?.map(|row| R::from_row(row).map_err(StoreError::from)).transpose()
    }

    /// Reads one row of a ledgered table by id, as the ledger records it.
    pub(crate) async fn get_row(&self, spec: &TableSpec, id: &str) -> Result<Option<Row>, StoreError> {
        let row = by_id(spec, id).fetch_optional(self.pool()).await?;
        row.map(|r| decode_row(spec, &r)).transpose()
    }

    /// Runs a query selecting [`column_list`] of `R`'s table and decodes every row.
    pub(crate) async fn fetch_records<R: catalyst_core::record::Record>(
        &self,
        query: AnyQuery<'_>,
    ) -> Result<Vec<R>, StoreError> {
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(|r| decode_row(R::SPEC, r).and_then(|row| R::from_row(row).map_err(StoreError::from))).collect()
    }
}

impl crate::platform::store::WriteTx {
    /// Runs a query selecting [`column_list`] of `R`'s table inside the transaction, so a rule
    /// checked against its result holds when the transaction commits.
    pub(crate) async fn fetch_records<R: catalyst_core::record::Record>(
        &mut self,
        query: AnyQuery<'_>,
    ) -> Result<Vec<R>, StoreError> {
        let rows = query.fetch_all(self.conn()).await?;
        rows.iter().map(|r| decode_row(R::SPEC, r).and_then(|row| R::from_row(row).map_err(StoreError::from))).collect()
    }
}
