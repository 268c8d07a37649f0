//! Database client spans: the attributes with which Datadog shows a database as an inferred
//! service on the service map, names its operation, and groups calls by query shape.
//!
//! Datadog reads, for an OTLP client span (`pkg/trace/traceutil/otel_util.go` in the Agent and
//! the "Inferred services" documentation):
//!
//! - the span type from `span.type`, else from `db.system` (`sql` for relational systems,
//!   `redis`, `mongodb`, ...), which decides how the Agent obfuscates the resource;
//! - the resource from `resource.name`, else from `db.statement`; for `sql` and `cassandra`
//!   spans the Agent obfuscates it again (a no-op on an already obfuscated statement) and copies
//!   it to `sql.query`;
//! - the inferred database's name from `peer.db.name` (`db.name`), else `peer.hostname`
//!   (`server.address`, not `out.host`), else `peer.db.system` (`db.system`); `peer.service`,
//!   when set, names the dependency instead;
//! - trace metrics for client spans by kind (Agent 7.60+ computes stats by span kind).
//!
//! The statement's literals never leave the process: `db.statement` and the resource carry the
//! obfuscated statement only.

pub(crate) mod site;
mod sql;

use opentelemetry::Value;

use self::sql::Dialect;

/// A call to a database, as the client span describing it knows it.
///
/// ```
/// use dd_instrument::db::DbCall;
///
/// let span = DbCall {
///     system: "postgresql",
///     name: Some("shop"),
///     statement: Some("SELECT * FROM orders WHERE id = 42 AND email = 'alice@example.com'"),
///     host: Some("db.internal"),
///     port: Some(5432),
///     peer_service: None,
/// }
/// .span();
/// assert_eq!(span.span_type, "sql");
/// assert_eq!(span.operation, Some("SELECT"));
/// assert_eq!(span.resource.as_deref(), Some("SELECT * FROM orders WHERE id = ? AND email = ?"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbCall<'a> {
    /// The database system (`db.system`), by OpenTelemetry's names: `postgresql`, `mysql`,
    /// `mssql`, `sqlite`, `redis`, `mongodb`, `cassandra`, ...
    pub system: &'a str,
    /// The database, schema or keyspace (`db.name`): what Datadog names the inferred service.
    pub name: Option<&'a str>,
    /// The statement as sent, literals included; only its obfuscated form is recorded.
    pub statement: Option<&'a str>,
    /// The server's host name (`server.address`, `out.host`).
    pub host: Option<&'a str>,
    /// The server's port (`server.port`, `out.port`).
    pub port: Option<u16>,
    /// The service name of the database, when it has one of its own (`peer.service`): it then
    /// names the dependency instead of `db.name`.
    pub peer_service: Option<&'a str>,
}

/// What a database client span records, computed from a [`DbCall`].
#[derive(Debug, Clone, PartialEq)]
pub struct DbSpan {
    /// `span.type`: `sql`, `cassandra`, `redis`, `memcached`, `mongodb`, `elasticsearch`,
    /// `opensearch`, or `db` for other systems (the Agent's own mapping).
    pub span_type: &'static str,
    /// `db.operation`: the statement's first keyword (`SELECT`, `INSERT`, ...) or the command of
    /// a key-value store (`GET`); `None` when unknown.
    pub operation: Option<&'static str>,
    /// The resource: for SQL (and CQL) the obfuscated statement, for Redis and Memcached the
    /// command alone; `None` otherwise (the span keeps its own resource).
    pub resource: Option<String>,
    /// `db.statement`: the obfuscated statement, for SQL and CQL only. Commands of other stores
    /// carry keys and values that no obfuscator here knows how to read, so they are not
    /// recorded.
    pub statement: Option<String>,
    /// Every attribute of the span, in a fixed order: `db.system`, `db.name`, `db.operation`,
    /// `db.statement`, `server.address`, `out.host`, `server.port`, `out.port`, `peer.service`,
    /// `span.type`, `resource.name` (each only when known). The span itself must be of kind
    /// client.
    pub attributes: Vec<(&'static str, Value)>,
}

/// How a system's statements are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    Sql,
    Command,
    Other,
}

/// `span.type` for `db.system`, as the Agent derives it (`dbTypes` in
/// `pkg/trace/traceutil/otel_util.go`), plus newer OpenTelemetry names and common aliases: the
/// one table of `dd_instrument_rules::db`, which `#[dd_span(db(..))]` checks systems against.
fn span_type(system: &str) -> (&'static str, Language) {
    let span_type = dd_instrument_rules::db::span_type(system);
    let language = match span_type {
        "sql" | "cassandra" => Language::Sql,
        "redis" | "memcached" => Language::Command,
        _ => Language::Other,
    };
    (span_type, language)
}

/// The command of a key-value store's statement (`GET user:1` -> `GET`), if it is a word.
fn command(statement: &str) -> Option<String> {
    let word = statement.split_whitespace().next()?;
    (word.len() <= 32 && word.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')).then(|| word.to_ascii_uppercase())
}

/// Command names of key-value stores that are reported as `db.operation`.
fn static_command(command: &str) -> Option<&'static str> {
    const COMMANDS: [&str; 40] = [
        "GET",
        "SET",
        "DEL",
        "MGET",
        "MSET",
        "INCR",
        "INCRBY",
        "DECR",
        "EXPIRE",
        "TTL",
        "EXISTS",
        "HGET",
        "HSET",
        "HDEL",
        "HGETALL",
        "HMGET",
        "HINCRBY",
        "LPUSH",
        "RPUSH",
        "LPOP",
        "RPOP",
        "LRANGE",
        "SADD",
        "SREM",
        "SMEMBERS",
        "ZADD",
        "ZREM",
        "ZRANGE",
        "ZSCORE",
        "PUBLISH",
        "SUBSCRIBE",
        "EVAL",
        "EVALSHA",
        "SCAN",
        "MULTI",
        "EXEC",
        "PING",
        "ADD",
        "REPLACE",
        "APPEND",
    ];
    COMMANDS.iter().copied().find(|c| *c == command)
}

/// The statement of a call to `system` with its literals replaced by `?`, lists collapsed and
/// comments removed, at most 5000 bytes (Datadog's longest resource); `None` when nothing but
/// comments remains. The obfuscation behind [`DbSpan::resource`] for SQL systems.
pub fn obfuscate_statement(system: &str, statement: &str) -> Option<String> {
    sql::obfuscate(statement, Dialect::of_system(&system.to_ascii_lowercase()))
}

/// What a statement gives a span: its operation, the statement to record, the resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Shape {
    operation: Option<&'static str>,
    statement: Option<String>,
    resource: Option<String>,
}

/// The shape of `statement` in `system`'s language: for SQL the obfuscated statement (as the
/// statement and the resource), for key-value stores the command (as the resource).
fn shape(system: &str, statement: Option<&str>) -> Shape {
    match (span_type(system).1, statement) {
        (Language::Sql, Some(text)) => {
            let dialect = Dialect::of_system(&system.to_ascii_lowercase());
            let obfuscated = sql::obfuscate(text, dialect);
            Shape { operation: sql::operation(text, dialect), statement: obfuscated.clone(), resource: obfuscated }
        }
        (Language::Command, Some(text)) => {
            let command = command(text);
            Shape { operation: command.as_deref().and_then(static_command), statement: None, resource: command }
        }
        _ => Shape::default(),
    }
}

impl DbCall<'_> {
    /// The span's attributes: span type, operation, obfuscated statement and resource, and the
    /// peer attributes of inferred services.
    pub fn span(&self) -> DbSpan {
        let span_type = span_type(self.system).0;
        let Shape { operation, statement, resource } = shape(self.system, self.statement);
        let mut attributes = Vec::with_capacity(11);
        let mut add = |key, value: Option<Value>| {
            if let Some(value) = value {
                attributes.push((key, value));
            }
        };
        let text = |value: Option<&str>| value.map(|v| Value::from(v.to_owned()));
        add("db.system", Some(Value::from(self.system.to_owned())));
        add("db.name", text(self.name));
        add("db.operation", operation.map(Value::from));
        add("db.statement", statement.clone().map(Value::from));
        add("server.address", text(self.host));
        add("out.host", text(self.host));
        add("server.port", self.port.map(|p| Value::I64(i64::from(p))));
        add("out.port", self.port.map(|p| Value::I64(i64::from(p))));
        add("peer.service", text(self.peer_service));
        add("span.type", Some(Value::from(span_type)));
        add("resource.name", resource.clone().map(Value::from));
        DbSpan { span_type, operation, resource, statement, attributes }
    }
}

#[cfg(test)]
mod tests;
