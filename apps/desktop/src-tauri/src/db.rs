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
use tokio::sync::{Mutex, OwnedMutexGuard};

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

/// One opened driver's connection and its transaction, if any. While a lease is open it holds the
/// driver's gate, so statements outside the transaction and the next `begin` wait for it to end, as
/// they wait for the lock of any other driver.
struct Conn {
    conn: Option<PoolConnection<Sqlite>>,
    lease: Option<u64>,
    deadline: Option<Instant>,
    gate: Option<OwnedMutexGuard<()>>,
}

/// One driver: its gate (held by an open transaction) and its connection.
struct Driver {
    gate: Arc<Mutex<()>>,
    conn: Mutex<Conn>,
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
        let result = if commit {
            match self.raw("COMMIT").await {
                Err(e) => {
                    let _ = self.raw("ROLLBACK").await;
                    Err(e)
                }
                ok => ok,
            }
        } else {
            let _ = self.raw("ROLLBACK").await;
            Ok(())
        };
        self.gate = None; // the next transaction or outside statement may go
        result
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
    open: Mutex<HashMap<u64, Arc<Driver>>>,
}

impl Connections {
    /// Takes one connection of `pool` for a new driver; resolves to its handle.
    pub async fn open(&self, pool: &Pool<Sqlite>) -> Result<u64, WireError> {
        let conn = pool.acquire().await.map_err(|e| map_error(&e))?;
        let handle = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let conn = Conn { conn: Some(conn), lease: None, deadline: None, gate: None };
        let driver = Driver { gate: Arc::new(Mutex::new(())), conn: Mutex::new(conn) };
        self.open.lock().await.insert(handle, Arc::new(driver));
        Ok(handle)
    }

    async fn get(&self, handle: u64) -> Option<Arc<Driver>> {
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
        let Some(driver) = self.get(handle).await else {
            return Err(WireError::closed("the database is closed"));
        };
        let ended = || WireError::closed("this transaction has ended (committed, rolled back or expired)");
        match op {
            Op::Close => {
                self.open.lock().await.remove(&handle);
                driver.conn.lock().await.release().await;
                Ok(Value::Null)
            }
            Op::Exec { sql, params, lease } => Self::statement(&driver, false, &sql, &params, lease).await,
            Op::Query { sql, params, lease } => Self::statement(&driver, true, &sql, &params, lease).await,
            Op::Begin => {
                // Waits for the transaction in progress, if any, as a second writer waits for the lock.
                let gate = driver.gate.clone().lock_owned().await;
                let mut c = driver.conn.lock().await;
                c.raw("BEGIN IMMEDIATE").await?;
                let lease = self.next_lease.fetch_add(1, Ordering::Relaxed) + 1;
                c.lease = Some(lease);
                c.gate = Some(gate);
                c.touch();
                Ok(Value::from(lease))
            }
            Op::Commit { lease } | Op::Rollback { lease } => {
                let commit = matches!(op, Op::Commit { .. });
                let mut c = driver.conn.lock().await;
                if c.lease != Some(lease) {
                    return Err(ended());
                }
                c.end_lease(commit).await.map(|_| Value::Null)
            }
        }
    }

    /// A statement inside the lease's transaction, or (no lease) on its own once no transaction is open.
    async fn statement(
        driver: &Driver,
        query: bool,
        sql: &str,
        params: &[Value],
        lease: Option<u64>,
    ) -> Result<Value, WireError> {
        let _outside = match lease {
            None => Some(driver.gate.lock().await),
            Some(_) => None,
        };
        let mut c = driver.conn.lock().await;
        if lease.is_some() && c.lease != lease {
            return Err(WireError::closed("this transaction has ended (committed, rolled back or expired)"));
        }
        let r = c.statement(query, sql, params).await;
        c.touch();
        r
    }

    /// `npm run bench:desktop`'s raw baseline: `rows` task inserts in one transaction straight on the driver's
    /// own connection (one prepared statement, no IPC, no JSON), into a scratch copy of `tasks` with its
    /// indexes (not its triggers: the full-text index's would stay on `tasks`), dropped afterwards. Resolves
    /// to the milliseconds the transaction took.
    pub async fn bench_raw_insert(&self, handle: u64, rows: u64) -> Result<f64, WireError> {
        let driver = self.get(handle).await.ok_or_else(|| WireError::closed("the database is closed"))?;
        let _outside = driver.gate.lock().await;
        let mut c = driver.conn.lock().await;
        let conn = c.conn.as_mut().ok_or_else(|| WireError::closed("the database is closed"))?;
        let err = |e: sqlx::Error| map_error(&e);
        conn.execute("DROP TABLE IF EXISTS bench_raw_tasks").await.map_err(err)?;
        let schema: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'tasks' AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC",
        )
        .fetch_all(&mut **conn)
        .await
        .map_err(err)?;
        if schema.is_empty() {
            return Err(WireError::new("io", "no tasks table: open the engine on this database first"));
        }
        for (kind, name, sql) in schema {
            let copy = if kind == "table" {
                sql.replacen("CREATE TABLE tasks", "CREATE TABLE bench_raw_tasks", 1)
                    .replacen("CREATE TABLE \"tasks\"", "CREATE TABLE bench_raw_tasks", 1)
            } else {
                sql.replacen(&name, &format!("bench_raw_{name}"), 1).replacen(" ON tasks (", " ON bench_raw_tasks (", 1)
            };
            conn.execute(copy.as_str()).await.map_err(err)?;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let started = Instant::now();
        conn.execute("BEGIN IMMEDIATE").await.map_err(err)?;
        let insert = "INSERT INTO bench_raw_tasks (id, deleted, title, description, status, project_id, due_at, \
                      created_at, updated_at) VALUES (?, 0, ?, NULL, ?, NULL, NULL, ?, ?)";
        for i in 0..rows {
            let id = format!("{:08x}-{:04x}-7000-8000-{:012x}", now as u32, (i >> 48) as u16, i & 0xffff_ffff_ffff);
            let r = sqlx::query(insert)
                .bind(id)
                .bind(format!("Bench task {i}"))
                .bind("todo")
                .bind(now)
                .bind(now)
                .execute(&mut **conn)
                .await;
            if let Err(e) = r {
                let _ = conn.execute("ROLLBACK").await;
                return Err(map_error(&e));
            }
        }
        conn.execute("COMMIT").await.map_err(err)?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        conn.execute("DROP TABLE bench_raw_tasks").await.map_err(err)?;
        Ok(ms)
    }

    /// What a vanished caller leaves behind: its transaction rolled back, its connection returned.
    pub async fn abandon(&self, handle: u64) {
        let driver = self.open.lock().await.remove(&handle);
        if let Some(driver) = driver {
            driver.conn.lock().await.release().await;
        }
    }

    /// The webview reloaded or closed: every driver it opened is gone.
    pub async fn abandon_all(&self) {
        let all: Vec<_> = self.open.lock().await.drain().map(|(_, c)| c).collect();
        for driver in all {
            driver.conn.lock().await.release().await;
        }
    }

    /// Rolls back every transaction whose caller sent nothing for `LEASE_TIMEOUT`; returns how many.
    pub async fn expire(&self, now: Instant) -> usize {
        let all: Vec<_> = self.open.lock().await.values().cloned().collect();
        let mut expired = 0;
        for driver in all {
            // A connection busy with a statement is not idle: skip it this round.
            let Ok(mut c) = driver.conn.try_lock() else { continue };
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    async fn pool(dir: &tempfile::TempDir) -> Pool<Sqlite> {
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("test.db"))
            .create_if_missing(true)
            .busy_timeout(Duration::from_millis(200));
        SqlitePoolOptions::new().max_connections(4).connect_with(options).await.unwrap()
    }

    fn req(id: u64, op: Value) -> Request {
        let mut v = op;
        v["id"] = json!(id);
        serde_json::from_value(v).unwrap()
    }

    async fn ok(c: &Connections, handle: u64, op: Value) -> Value {
        match c.handle(handle, req(1, op)).await {
            Response::Ok { result, .. } => result,
            Response::Err { error, .. } => panic!("unexpected error {error:?}"),
        }
    }

    async fn err(c: &Connections, handle: u64, op: Value) -> WireError {
        match c.handle(handle, req(1, op)).await {
            Response::Ok { result, .. } => panic!("expected an error, got {result}"),
            Response::Err { error, .. } => error,
        }
    }

    async fn count(c: &Connections, handle: u64) -> Value {
        ok(c, handle, json!({"op": "query", "sql": "SELECT count(*) AS n FROM t"})).await[0]["n"].clone()
    }

    async fn setup() -> (tempfile::TempDir, Pool<Sqlite>, Connections, u64) {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir).await;
        let c = Connections::default();
        let h = c.open(&pool).await.unwrap();
        ok(&c, h, json!({"op": "exec", "sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, v)"})).await;
        (dir, pool, c, h)
    }

    #[tokio::test]
    async fn commit_keeps_and_rollback_discards() {
        let (_dir, _pool, c, h) = setup().await;
        let lease = ok(&c, h, json!({"op": "begin"})).await;
        ok(&c, h, json!({"op": "exec", "sql": "INSERT INTO t (v) VALUES (?)", "params": ["a"], "lease": lease})).await;
        ok(&c, h, json!({"op": "commit", "lease": lease})).await;
        let lease = ok(&c, h, json!({"op": "begin"})).await;
        ok(&c, h, json!({"op": "exec", "sql": "INSERT INTO t (v) VALUES (?)", "params": ["b"], "lease": lease})).await;
        ok(&c, h, json!({"op": "rollback", "lease": lease})).await;
        assert_eq!(count(&c, h).await, json!(1));
        // An ended lease is refused, and says why.
        let e = err(&c, h, json!({"op": "exec", "sql": "INSERT INTO t (v) VALUES (1)", "lease": lease})).await;
        assert_eq!(e.code, "closed");
        assert_eq!(count(&c, h).await, json!(1));
    }

    #[tokio::test]
    async fn statements_outside_a_transaction_wait_for_it() {
        let (_dir, _pool, c, h) = setup().await;
        let c = Arc::new(c);
        let lease = ok(&c, h, json!({"op": "begin"})).await;
        ok(&c, h, json!({"op": "exec", "sql": "INSERT INTO t (v) VALUES ('in')", "lease": lease})).await;
        let outside = {
            let c = c.clone();
            tokio::spawn(async move { ok(&c, h, json!({"op": "exec", "sql": "INSERT INTO t (v) VALUES ('out')"})).await })
        };
        let second_begin = {
            let c = c.clone();
            tokio::spawn(async move { ok(&c, h, json!({"op": "begin"})).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!outside.is_finished() && !second_begin.is_finished(), "they must wait for the open transaction");
        ok(&c, h, json!({"op": "rollback", "lease": lease})).await;
        outside.await.unwrap();
        let next = second_begin.await.unwrap();
        ok(&c, h, json!({"op": "commit", "lease": next})).await;
        // The rolled-back row is gone; the outside statement ran on its own and stayed.
        let rows = ok(&c, h, json!({"op": "query", "sql": "SELECT v FROM t"})).await;
        assert_eq!(rows, json!([{"v": "out"}]));
    }

    #[tokio::test]
    async fn an_idle_lease_expires_and_an_abandoned_one_frees_the_database() {
        let (_dir, pool, c, h) = setup().await;
        let lease = ok(&c, h, json!({"op": "begin"})).await;
        ok(&c, h, json!({"op": "exec", "sql": "INSERT INTO t (v) VALUES (1)", "lease": lease})).await;
        assert_eq!(c.expire(Instant::now()).await, 0);
        assert_eq!(c.expire(Instant::now() + LEASE_TIMEOUT + Duration::from_secs(1)).await, 1);
        assert_eq!(err(&c, h, json!({"op": "commit", "lease": lease})).await.code, "closed");
        assert_eq!(count(&c, h).await, json!(0));

        // A second driver cannot write while the first holds a write transaction...
        let other = c.open(&pool).await.unwrap();
        let lease = ok(&c, h, json!({"op": "begin"})).await;
        ok(&c, h, json!({"op": "exec", "sql": "INSERT INTO t (v) VALUES (2)", "lease": lease})).await;
        let e = err(&c, other, json!({"op": "exec", "sql": "INSERT INTO t (v) VALUES (3)"})).await;
        assert_eq!(e.code, "busy");
        // ...and can once the first driver's caller vanishes: its transaction is rolled back.
        c.abandon(h).await;
        ok(&c, other, json!({"op": "exec", "sql": "INSERT INTO t (v) VALUES (3)"})).await;
        assert_eq!(count(&c, other).await, json!(1));
        assert_eq!(err(&c, h, json!({"op": "query", "sql": "SELECT 1"})).await.code, "closed");
        c.abandon_all().await;
        assert_eq!(err(&c, other, json!({"op": "query", "sql": "SELECT 1"})).await.code, "closed");
    }

    #[tokio::test]
    async fn errors_are_mapped_and_values_round_trip() {
        let (_dir, _pool, c, h) = setup().await;
        ok(&c, h, json!({"op": "exec", "sql": "INSERT INTO t (id, v) VALUES (1, 'x')"})).await;
        let e = err(&c, h, json!({"op": "exec", "sql": "INSERT INTO t (id, v) VALUES (1, 'y')"})).await;
        assert_eq!(e.code, "constraint");
        let cause = e.cause.unwrap();
        assert_eq!(cause["name"], json!("SqliteError"));
        assert_eq!(cause["code"].as_i64().unwrap() & 0xff, 19);
        assert_eq!(err(&c, h, json!({"op": "query", "sql": "SELEC nonsense"})).await.code, "io");

        let params = json!([null, true, 42, 1.5, "text é", {"blob": [0, 255, 7]}, {"bigint": "9007199254740993"}]);
        let rows = ok(&c, h, json!({"op": "query", "sql": "SELECT ? a, ? b, ? c, ? d, ? e, ? f, ? g", "params": params})).await;
        assert_eq!(
            rows,
            json!([{"a": null, "b": 1, "c": 42, "d": 1.5, "e": "text é", "f": {"blob": [0, 255, 7]}, "g": 9007199254740993_i64}])
        );
        assert_eq!(ok(&c, h, json!({"op": "exec", "sql": "DELETE FROM t"})).await, json!(1));
        let e = err(&c, h, json!({"op": "query", "sql": "SELECT ?", "params": [[1]]})).await;
        assert_eq!(e.code, "io");
        ok(&c, h, json!({"op": "close"})).await;
        assert_eq!(err(&c, h, json!({"op": "query", "sql": "SELECT 1"})).await.code, "closed");
    }

    #[tokio::test]
    async fn the_raw_baseline_inserts_into_a_scratch_copy_of_tasks_and_drops_it() {
        let (_dir, _pool, c, h) = setup().await;
        assert_eq!(c.bench_raw_insert(h, 10).await.unwrap_err().code, "io"); // no tasks table yet
        ok(&c, h, json!({"op": "exec", "sql": "CREATE TABLE tasks (id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, title TEXT, description TEXT, status TEXT, project_id TEXT, due_at INTEGER, created_at INTEGER, updated_at INTEGER)"})).await;
        ok(&c, h, json!({"op": "exec", "sql": "CREATE INDEX tasks_status_idx ON tasks (status, created_at) WHERE deleted = 0"})).await;
        // A trigger on tasks is not copied (a copy would stay on tasks, outliving the scratch table).
        ok(&c, h, json!({"op": "exec", "sql": "CREATE TRIGGER tasks_touch AFTER INSERT ON tasks BEGIN UPDATE tasks SET updated_at = new.updated_at WHERE rowid = new.rowid; END"})).await;
        let ms = c.bench_raw_insert(h, 500).await.unwrap();
        assert!(ms > 0.0);
        let left = ok(&c, h, json!({"op": "query", "sql": "SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'bench_raw%'"})).await;
        assert_eq!(left, json!([{"n": 0}]));
    }
}
