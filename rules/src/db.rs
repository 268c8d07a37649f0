//! Database systems: the `db.system` values `#[dd_span(db(system = ..))]` accepts, and the
//! Datadog span type of each, as the Agent derives it from `db.system` (`checkDBType` in
//! `pkg/trace/traceutil/otel_util.go`), plus SQL systems the Agent does not list yet.

/// The database systems, by OpenTelemetry's `db.system` names, with their Datadog span type:
/// `sql` (statements obfuscated as SQL), `cassandra` (CQL, obfuscated as SQL), `redis` and
/// `memcached` (the command is the resource), or a type of their own.
pub const SYSTEMS: [(&str, &str); 55] = [
    ("postgresql", "sql"),
    ("mysql", "sql"),
    ("mariadb", "sql"),
    ("mssql", "sql"),
    ("oracle", "sql"),
    ("sqlite", "sql"),
    ("db2", "sql"),
    ("cockroachdb", "sql"),
    ("redshift", "sql"),
    ("clickhouse", "sql"),
    ("spanner", "sql"),
    ("trino", "sql"),
    ("duckdb", "sql"),
    ("other_sql", "sql"),
    ("mssqlcompact", "sql"),
    ("cloudscape", "sql"),
    ("hsqldb", "sql"),
    ("maxdb", "sql"),
    ("ingres", "sql"),
    ("firstsql", "sql"),
    ("edb", "sql"),
    ("cache", "sql"),
    ("firebird", "sql"),
    ("derby", "sql"),
    ("informix", "sql"),
    ("sybase", "sql"),
    ("teradata", "sql"),
    ("vertica", "sql"),
    ("h2", "sql"),
    ("coldfusion", "sql"),
    ("progress", "sql"),
    ("hanadb", "sql"),
    ("adabas", "sql"),
    ("filemaker", "sql"),
    ("instantdb", "sql"),
    ("interbase", "sql"),
    ("netezza", "sql"),
    ("pervasive", "sql"),
    ("pointbase", "sql"),
    ("cassandra", "cassandra"),
    ("redis", "redis"),
    ("valkey", "redis"),
    ("memcached", "memcached"),
    ("mongodb", "mongodb"),
    ("elasticsearch", "elasticsearch"),
    ("opensearch", "opensearch"),
    ("hive", "db"),
    ("hbase", "db"),
    ("couchbase", "db"),
    ("couchdb", "db"),
    ("cosmosdb", "db"),
    ("dynamodb", "db"),
    ("neo4j", "db"),
    ("geode", "db"),
    ("influxdb", "db"),
];

/// Other names of systems in [`SYSTEMS`]: common short names, and the names of newer
/// OpenTelemetry conventions (`db.system.name`), which the Agent does not map yet.
pub const ALIASES: [(&str, &str); 14] = [
    ("postgres", "postgresql"),
    ("pg", "postgresql"),
    ("sqlserver", "mssql"),
    ("microsoft.sql_server", "mssql"),
    ("oracle.db", "oracle"),
    ("ibm.db2", "db2"),
    ("gcp.spanner", "spanner"),
    ("aws.dynamodb", "dynamodb"),
    ("azure.cosmosdb", "cosmosdb"),
    ("mongo", "mongodb"),
    ("sqlite3", "sqlite"),
    ("elastic", "elasticsearch"),
    ("cockroach", "cockroachdb"),
    ("maria", "mariadb"),
];

/// The system of [`SYSTEMS`] that `system` names (ASCII case ignored), itself or through an
/// [alias](ALIASES), and its span type.
pub fn system(system: &str) -> Option<(&'static str, &'static str)> {
    let known = |name: &str| SYSTEMS.iter().copied().find(|(known, _)| known.eq_ignore_ascii_case(name));
    known(system).or_else(|| {
        let (_, canonical) = ALIASES.iter().copied().find(|(alias, _)| alias.eq_ignore_ascii_case(system))?;
        known(canonical)
    })
}

/// The span type of `system`: its own in [`SYSTEMS`], else `db`.
pub fn span_type(system: &str) -> &'static str {
    self::system(system).map_or("db", |(_, span_type)| span_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systems_are_unique_and_aliases_name_them() {
        for (i, (name, _)) in SYSTEMS.iter().enumerate() {
            assert!(SYSTEMS[i + 1..].iter().all(|(other, _)| other != name), "{name} twice");
            assert_eq!(name.to_ascii_lowercase(), *name);
        }
        for (alias, canonical) in ALIASES {
            assert!(SYSTEMS.iter().all(|(name, _)| *name != alias), "{alias} is a system");
            assert_eq!(system(alias).map(|(name, _)| name), Some(canonical), "{alias}");
        }
    }

    #[test]
    fn span_types() {
        assert_eq!(span_type("postgresql"), "sql");
        assert_eq!(span_type("PostgreSQL"), "sql");
        assert_eq!(span_type("postgres"), "sql");
        assert_eq!(span_type("microsoft.sql_server"), "sql");
        assert_eq!(span_type("cassandra"), "cassandra");
        assert_eq!(span_type("valkey"), "redis");
        assert_eq!(span_type("mongodb"), "mongodb");
        assert_eq!(span_type("dynamodb"), "db");
        assert_eq!(span_type("something-else"), "db");
        assert_eq!(system("postgres"), Some(("postgresql", "sql")));
        assert_eq!(system("nosuchdb"), None);
    }
}
