//! The far side of the RPC driver (`@selftracker/client/tauri`), over the SQLite pool that
//! `tauri-plugin-sql` owns. The plugin's own JS API takes a pooled connection per call, so a
//! `BEGIN` … `COMMIT` sent as separate calls lands on different connections (upstream
//! plugins-workspace #886). Here each opened driver holds one connection of that pool for its
//! whole life, and a transaction is a lease on it: `begin` runs `BEGIN IMMEDIATE`, and the
//! connection stays in the transaction until `commit` or `rollback` names the lease, the lease
//! times out (no request for `LEASE_TIMEOUT`), or the caller disappears (the webview reloads:
//! `abandon_all`). An abandoned connection is rolled back before it returns to the pool.
//!
//! Requests and responses are the RPC driver's wire format (`packages/client/src/drivers/rpc/
//! protocol.ts`) as JSON; blobs travel as `{"blob": [bytes]}`, bigints as `{"bigint": "digits"}`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteRow};
use sqlx::{Column, Executor, Pool, Row, TypeInfo, ValueRef};
use tokio::sync::Mutex;

/// How long a transaction may wait for its caller's next request before it is rolled back.
pub const LEASE_TIMEOUT: Duration = Duration::from_secs(30);

/// One request of the RPC driver's wire format.
#[derive(Debug, Deserialize)]
pub struct Request {
    pub id: u64,
    #[serde(flatten)]
    pub op: Op,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Op {
    Exec { sql: String, #[serde(default)] params: Vec<Value>, lease: Option<u64> },
    Query { sql: String, #[serde(default)] params: Vec<Value>, lease: Option<u64> },
    Begin,
    Commit { lease: u64 },
    Rollback { lease: u64 },
    Close,
}

/// One response: `{id, ok: true, result}` or `{id, ok: false, error}`.
#[derive(Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Response {
    Ok { id: u64, ok: bool, result: Value },
    Err { id: u64, ok: bool, error: WireError },
}

/// A `StorageError` as data: `code` is `constraint`, `busy`, `closed` or `io`; `cause` the native error.
#[derive(Debug, Serialize, PartialEq, Clone)]
pub struct WireError {
    pub name: String,
    pub message: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Map<String, Value>>,
}

impl WireError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        WireError { name: "StorageError".into(), message: message.into(), code: code.into(), cause: None }
    }
    fn closed(message: &str) -> Self {
        WireError::new("closed", message)
    }
    pub fn closed_with(message: &str) -> Self {
        WireError::closed(message)
    }
}

/// Maps a sqlx error: SQLite's extended result code decides `constraint`/`busy`/`io`; the code and
/// message stay in `cause`.
pub fn map_error(e: &sqlx::Error) -> WireError {
    match e {
        sqlx::Error::Database(db) => {
            let number = db.code().and_then(|c| c.parse::<i64>().ok());
            let code = match number.map(|n| n & 0xff) {
                Some(19) => "constraint",
                Some(5) | Some(6) => "busy",
                _ => "io",
            };
            let mut cause = Map::new();
            cause.insert("name".into(), Value::from("SqliteError"));
            cause.insert("message".into(), Value::from(db.message()));
            if let Some(n) = number {
                cause.insert("code".into(), Value::from(n));
            }
            WireError { cause: Some(cause), ..WireError::new(code, db.message()) }
        }
        sqlx::Error::PoolTimedOut => WireError::new("busy", "no database connection became free in time"),
        sqlx::Error::PoolClosed => WireError::closed("the database is closed"),
        other => WireError::new("io", other.to_string()),
    }
}

fn bind<'q>(
    mut query: sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>,
    params: &'q [Value],
) -> Result<sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>, WireError> {
    for p in params {
        query = match p {
            Value::Null => query.bind(None::<i64>),
            Value::Bool(b) => query.bind(i64::from(*b)),
            Value::Number(n) => match n.as_i64() {
                Some(i) => query.bind(i),
                None => query.bind(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => query.bind(s.as_str()),
            Value::Object(o) => match (o.get("blob"), o.get("bigint")) {
                (Some(Value::Array(bytes)), _) => {
                    let bytes: Option<Vec<u8>> =
                        bytes.iter().map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok())).collect();
                    query.bind(bytes.ok_or_else(|| WireError::new("io", "a blob parameter holds a non-byte"))?)
                }
                (_, Some(Value::String(digits))) => query.bind(
                    digits
                        .parse::<i64>()
                        .map_err(|_| WireError::new("io", format!("bigint {digits} does not fit in 64 bits")))?,
                ),
                _ => return Err(WireError::new("io", "unsupported parameter (an object that is not a blob)")),
            },
            Value::Array(_) => return Err(WireError::new("io", "unsupported parameter (an array)")),
        };
    }
    Ok(query)
}

fn row_to_json(row: &SqliteRow) -> Result<Map<String, Value>, sqlx::Error> {
    let mut out = Map::with_capacity(row.columns().len());
    for (i, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            let kind = raw.type_info().name().to_owned();
            match kind.as_str() {
                "INTEGER" | "BOOLEAN" => Value::from(row.try_get::<i64, _>(i)?),
                "REAL" => serde_json::Number::from_f64(row.try_get::<f64, _>(i)?).map_or(Value::Null, Value::Number),
                "BLOB" => {
                    let bytes: Vec<u8> = row.try_get(i)?;
                    let mut blob = Map::new();
                    blob.insert("blob".into(), Value::from(bytes));
                    Value::Object(blob)
                }
                _ => Value::from(row.try_get::<String, _>(i)?),
            }
        };
        out.insert(column.name().to_owned(), value);
    }
    Ok(out)
}

/// One opened driver's connection and its transaction, if any.
struct Conn {
    conn: Option<PoolConnection<Sqlite>>,
    lease: Option<u64>,
    deadline: Option<Instant>,
}

impl Conn {
    async fn statement(&mut self, query: bool, sql: &str, params: &[Value]) -> Result<Value, WireError> {
        let conn = self.conn.as_mut().ok_or_else(|| WireError::closed("the database is closed"))?;
        let q = bind(sqlx::query(sql), params)?;
        if query {
            let rows = conn.fetch_all(q).await.map_err(|e| map_error(&e))?;
            let rows: Result<Vec<Value>, _> = rows.iter().map(|r| row_to_json(r).map(Value::Object)).collect();
            rows.map(Value::Array).map_err(|e| map_error(&e))
        } else {
            let done = conn.execute(q).await.map_err(|e| map_error(&e))?;
            Ok(Value::from(done.rows_affected()))
        }
    }

    async fn raw(&mut self, sql: &str) -> Result<(), WireError> {
        let conn = self.conn.as_mut().ok_or_else(|| WireError::closed("the database is closed"))?;
        conn.execute(sqlx::raw_sql(sql)).await.map(|_| ()).map_err(|e| map_error(&e))
    }

    /// Rolls back an open transaction (harmless when SQLite already ended it) and forgets the lease.
    async fn end_lease(&mut self, commit: bool) -> Result<(), WireError> {
        self.lease = None;
        self.deadline = None;
        if commit {
            if let Err(e) = self.raw("COMMIT").await {
                let _ = self.raw("ROLLBACK").await;
                return Err(e);
            }
            Ok(())
        } else {
            let _ = self.raw("ROLLBACK").await;
            Ok(())
        }
    }

    /// Ends the transaction if one is open and gives the connection back to the pool.
    async fn release(&mut self) {
        if self.lease.is_some() {
            let _ = self.end_lease(false).await;
        }
        if let Some(mut conn) = self.conn.take() {
            // A connection must never reach the pool's next user inside a transaction. On a clean
            // connection ROLLBACK fails with "no transaction is active": that is fine.
            let _ = conn.execute(sqlx::raw_sql("ROLLBACK")).await;
        }
    }
}

/// Every opened driver's connection, by handle.
#[derive(Default)]
pub struct Connections {
    next: AtomicU64,
    next_lease: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Mutex<Conn>>>>,
}

impl Connections {
    /// Takes one connection of `pool` for a new driver; resolves to its handle.
    pub async fn open(&self, pool: &Pool<Sqlite>) -> Result<u64, WireError> {
        let conn = pool.acquire().await.map_err(|e| map_error(&e))?;
        let handle = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let conn = Conn { conn: Some(conn), lease: None, deadline: None };
        self.open.lock().await.insert(handle, Arc::new(Mutex::new(conn)));
        Ok(handle)
    }

    async fn get(&self, handle: u64) -> Option<Arc<Mutex<Conn>>> {
        self.open.lock().await.get(&handle).cloned()
    }

    /// Serves one request for the driver `handle`; never fails (errors are in the response).
    pub async fn handle(&self, handle: u64, request: Request) -> Response {
        let id = request.id;
        match self.serve(handle, request.op).await {
            Ok(result) => Response::Ok { id, ok: true, result },
            Err(error) => Response::Err { id, ok: false, error },
        }
    }

    async fn serve(&self, handle: u64, op: Op) -> Result<Value, WireError> {
        let Some(conn) = self.get(handle).await else {
            return Err(WireError::closed("the database is closed"));
        };
        if let Op::Close = op {
            self.open.lock().await.remove(&handle);
            conn.lock().await.release().await;
            return Ok(Value::Null);
        }
        let mut c = conn.lock().await;
        let ended = || WireError::closed("this transaction has ended (committed, rolled back or expired)");
        let check = |c: &Conn, lease: Option<u64>| -> Result<(), WireError> {
            if lease.is_some() && c.lease != lease {
                return Err(ended());
            }
            Ok(())
        };
        match op {
            Op::Exec { sql, params, lease } => {
                check(&c, lease)?;
                let r = c.statement(false, &sql, &params).await;
                c.touch();
                r
            }
            Op::Query { sql, params, lease } => {
                check(&c, lease)?;
                let r = c.statement(true, &sql, &params).await;
                c.touch();
                r
            }
            Op::Begin => {
                if c.lease.is_some() {
                    return Err(WireError::new("busy", "a transaction is already open on this connection"));
                }
                c.raw("BEGIN IMMEDIATE").await?;
                let lease = self.next_lease.fetch_add(1, Ordering::Relaxed) + 1;
                c.lease = Some(lease);
                c.touch();
                Ok(Value::from(lease))
            }
            Op::Commit { lease } | Op::Rollback { lease } if c.lease != Some(lease) => Err(ended()),
            Op::Commit { .. } => c.end_lease(true).await.map(|_| Value::Null),
            Op::Rollback { .. } => c.end_lease(false).await.map(|_| Value::Null),
            Op::Close => unreachable!(),
        }
    }

    /// What a vanished caller leaves behind: its transaction rolled back, its connection returned.
    pub async fn abandon(&self, handle: u64) {
        let conn = self.open.lock().await.remove(&handle);
        if let Some(conn) = conn {
            conn.lock().await.release().await;
        }
    }

    /// The webview reloaded or closed: every driver it opened is gone.
    pub async fn abandon_all(&self) {
        let all: Vec<_> = self.open.lock().await.drain().map(|(_, c)| c).collect();
        for conn in all {
            conn.lock().await.release().await;
        }
    }

    /// Rolls back every transaction whose caller sent nothing for `LEASE_TIMEOUT`; returns how many.
    pub async fn expire(&self, now: Instant) -> usize {
        let all: Vec<_> = self.open.lock().await.values().cloned().collect();
        let mut expired = 0;
        for conn in all {
            // A connection busy with a statement is not idle: skip it this round.
            let Ok(mut c) = conn.try_lock() else { continue };
            if c.deadline.is_some_and(|d| d <= now) {
                let _ = c.end_lease(false).await;
                expired += 1;
            }
        }
        expired
    }
}

impl Conn {
    fn touch(&mut self) {
        self.deadline = self.lease.map(|_| Instant::now() + LEASE_TIMEOUT);
    }
}
