use opentelemetry::Value;

use super::*;

fn strings(span: &DbSpan) -> Vec<(&'static str, String)> {
    span.attributes.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

#[test]
fn postgres_call_with_every_attribute() {
    let span = DbCall {
        system: "postgresql",
        name: Some("shop"),
        statement: Some("SELECT id, total FROM orders WHERE customer = 'alice@example.com' AND id IN (1, 2, 3) -- hot"),
        host: Some("db.internal"),
        port: Some(5432),
        peer_service: Some("orders-db"),
    }
    .span();
    let shape = "SELECT id, total FROM orders WHERE customer = ? AND id IN (?)";
    assert_eq!(
        strings(&span),
        [
            ("db.system", "postgresql".to_owned()),
            ("db.name", "shop".to_owned()),
            ("db.operation", "SELECT".to_owned()),
            ("db.statement", shape.to_owned()),
            ("server.address", "db.internal".to_owned()),
            ("out.host", "db.internal".to_owned()),
            ("server.port", "5432".to_owned()),
            ("out.port", "5432".to_owned()),
            ("peer.service", "orders-db".to_owned()),
            ("span.type", "sql".to_owned()),
            ("resource.name", shape.to_owned()),
        ]
    );
    assert!(matches!(span.attributes[6].1, Value::I64(5432)), "ports are integers (metrics, not meta)");
    assert_eq!((span.span_type, span.operation), ("sql", Some("SELECT")));
    assert_eq!(span.resource.as_deref(), Some(shape));
    assert_eq!(span.statement.as_deref(), Some(shape));
}

#[test]
fn only_what_is_known() {
    let span =
        DbCall { system: "mysql", statement: Some("insert into t values (1, \"x\")"), ..DbCall::default() }.span();
    assert_eq!(
        strings(&span),
        [
            ("db.system", "mysql".to_owned()),
            ("db.operation", "INSERT".to_owned()),
            ("db.statement", "insert into t values (?)".to_owned()),
            ("span.type", "sql".to_owned()),
            ("resource.name", "insert into t values (?)".to_owned()),
        ]
    );
    let span = DbCall { system: "sqlite", ..DbCall::default() }.span();
    assert_eq!(strings(&span), [("db.system", "sqlite".to_owned()), ("span.type", "sql".to_owned())]);
    // A statement that is only a comment has no shape to report.
    let span = DbCall { system: "postgresql", statement: Some("-- nothing"), ..DbCall::default() }.span();
    assert_eq!((span.resource, span.statement, span.operation), (None, None, None));
}

#[test]
fn span_types_follow_the_agent() {
    for (system, expected) in [
        ("postgresql", "sql"),
        ("PostgreSQL", "sql"),
        ("mssql", "sql"),
        ("microsoft.sql_server", "sql"),
        ("clickhouse", "sql"),
        ("cassandra", "cassandra"),
        ("redis", "redis"),
        ("memcached", "memcached"),
        ("mongodb", "mongodb"),
        ("elasticsearch", "elasticsearch"),
        ("opensearch", "opensearch"),
        ("dynamodb", "db"),
        ("", "db"),
    ] {
        assert_eq!(span_type(system).0, expected, "{system}");
    }
}

#[test]
fn cql_is_obfuscated_like_sql() {
    let span =
        DbCall { system: "cassandra", statement: Some("SELECT * FROM users WHERE id = 42"), ..DbCall::default() }
            .span();
    assert_eq!(span.resource.as_deref(), Some("SELECT * FROM users WHERE id = ?"));
}

#[test]
fn key_value_commands_keep_only_the_command() {
    let span =
        DbCall { system: "redis", statement: Some("SET session:alice@example.com token"), ..DbCall::default() }.span();
    assert_eq!(span.resource.as_deref(), Some("SET"));
    assert_eq!(span.operation, Some("SET"));
    assert_eq!(span.statement, None);
    assert!(!strings(&span).iter().any(|(_, v)| v.contains("alice")));
    let span = DbCall { system: "redis", statement: Some("client list"), ..DbCall::default() }.span();
    assert_eq!((span.resource.as_deref(), span.operation), (Some("CLIENT"), None));
    let span = DbCall {
        system: "mongodb",
        statement: Some(r#"{"find": "users", "filter": {"email": "a@b.c"}}"#),
        ..DbCall::default()
    }
    .span();
    assert_eq!((span.resource, span.statement, span.span_type), (None, None, "mongodb"));
}

/// Datadog's own obfuscator, already built with the `datadog` feature: the Agent runs it again on
/// the resource of every `sql` span, so an obfuscated statement must come out of it exactly as
/// the original would. Then calls group the same way whichever obfuscated them.
#[cfg(feature = "datadog")]
mod against_datadog {
    use libdd_trace_obfuscation::obfuscation_config::{DbmsKind, SqlConfig};
    use libdd_trace_obfuscation::sql::obfuscate_sql;
    use proptest::prelude::*;

    use super::sql::{Dialect, obfuscate};

    fn datadog(sql: &str) -> Option<String> {
        obfuscate_sql(sql, &SqlConfig::default(), DbmsKind::Generic).ok()
    }

    /// Statements of the kinds applications send.
    const CORPUS: &[&str] = &[
        "SELECT * FROM users WHERE id = 42",
        "SELECT id, name FROM users WHERE email = 'alice@example.com' AND active = TRUE",
        "select a from t where x in (1, 2, 3) and y IN ('a','b')",
        "INSERT INTO orders (id, total, note) VALUES (1, 12.50, 'gift'), (2, 3.99, NULL)",
        "UPDATE users SET email = 'a@b.com', visits = visits + 1 WHERE id = $1",
        "DELETE FROM sessions WHERE expires < '2024-01-01' AND user_id IN (SELECT id FROM users WHERE banned)",
        "SELECT COUNT(*) FROM orders WHERE created_at > now() - interval '1 day'",
        "SELECT * FROM t WHERE a = 0x1F AND b = -1.5e3 AND c IS NULL",
        "SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE o.total > 100 ORDER BY o.id DESC LIMIT 10 OFFSET 20",
        "SELECT * FROM t -- comment\n WHERE a = 1 /* block */",
        "SELECT * FROM t WHERE id = ?",
        "SELECT * FROM t WHERE x = @p1 AND y = %s",
        "SELECT t1.col2 FROM t1 WHERE t1.id = :id",
        "select * from t where a between 1 and 5",
        "SELECT * FROM users WHERE name = 'O''Reilly'",
        "INSERT INTO t VALUES (?, ?), (?, ?)",
        "SELECT data->>'name' FROM docs WHERE data @> '{\"a\": 1}'",
        "SELECT 1",
        "BEGIN",
        "COMMIT",
        "SET search_path TO 'public'",
        "SELECT * FROM orders WHERE status = 'paid' AND total >= 10 AND total < 99.5;",
        "SELECT $$secret$$, $tag$x$tag$",
        "SELECT a::int, b FROM t WHERE c = -1 AND d = 1 - 2",
        "INSERT INTO t (a) VALUES (1), (2), (3) RETURNING id",
        "SELECT * FROM t WHERE a = true OR b = false OR c IS NOT NULL",
        "SELECT COUNT(*) AS total FROM orders",
        "WITH cte AS (SELECT 1) SELECT * FROM cte",
        "SELECT * FROM t WHERE name LIKE '%bob%' ESCAPE '\\'",
        "SELECT * FROM t WHERE id = 1; DELETE FROM t WHERE id = 2",
        "SELECT f(1, 2), g(a, 3) FROM t",
        "SELECT 'a' 'b', 1.5e10, .5 FROM t",
    ];

    /// Where Datadog's tokenizer keeps pieces of a literal or of a list and ours does not: the
    /// prefix of `E'...'` and `N'...'` strings, the digits after `0b`, the commas of a list of
    /// tuples; and `1-2`, a subtraction to us, two numbers to it. No literal leaks either way;
    /// these resources group apart from those of Datadog's tracers.
    #[test]
    fn known_differences() {
        for (sql, ours, theirs) in [
            (
                "SELECT * FROM t WHERE a = E'x' AND b = N'y'",
                "SELECT * FROM t WHERE a = ? AND b = ?",
                "SELECT * FROM t WHERE a = E ? AND b = N ?",
            ),
            ("SELECT 0b101 FROM t", "SELECT ? FROM t", "SELECT ? b101 FROM t"),
            ("WHERE (a, b) IN ((1, 2), (3, 4))", "WHERE (a, b) IN ((?))", "WHERE ( a, b ) IN ( ( ? ) ( ? ) )"),
            ("SELECT 1-2", "SELECT ?-?", "SELECT ?"),
        ] {
            assert_eq!(obfuscate(sql, Dialect::Generic).as_deref(), Some(ours));
            assert_eq!(datadog(sql).as_deref(), Some(theirs));
        }
    }

    #[test]
    fn corpus_groups_like_datadog() {
        let mut differences = Vec::new();
        for sql in CORPUS {
            let ours = obfuscate(sql, Dialect::Generic).unwrap();
            if datadog(&ours) != datadog(sql) {
                differences.push(format!(
                    "{sql}\n  ours: {ours}\n  dd(ours): {:?}\n  dd(sql): {:?}",
                    datadog(&ours),
                    datadog(sql)
                ));
            }
        }
        assert!(differences.is_empty(), "{}", differences.join("\n"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn generated_statements_group_like_datadog(
            column in "[a-z][a-z_]{0,8}",
            table in "[a-z][a-z_]{0,8}",
            values in prop::collection::vec(
                prop_oneof!["-?[0-9]{1,6}", "[0-9]{1,3}\\.[0-9]{1,3}", "'[a-z @.]{0,10}'", Just("NULL".to_owned()), Just("?".to_owned()), "\\$[1-9]"],
                1..5,
            ),
            op in prop_oneof![Just("="), Just("<>"), Just(">="), Just("IN")],
        ) {
            let list = values.join(", ");
            let sql = if op == "IN" {
                format!("SELECT {column} FROM {table} WHERE {column} IN ({list}) AND x = {}", values[0])
            } else {
                format!("SELECT {column} FROM {table} WHERE {column} {op} {} AND y IN ({list})", values[0])
            };
            let ours = obfuscate(&sql, Dialect::Generic).unwrap();
            prop_assert_eq!(datadog(&ours), datadog(&sql), "{} -> {}", sql, ours);
        }
    }
}
