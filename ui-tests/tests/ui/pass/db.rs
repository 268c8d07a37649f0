use std::borrow::Cow;

use dd_instrument::{dd_span, dd_timed};

const FIND: &str = "SELECT * FROM orders WHERE id = $1";

struct Tenant {
    database: String,
}

#[dd_span(db(system = "postgresql", name = "shop", statement = FIND, host = "db.internal", port = 5432))]
fn constant() {}

#[dd_span(kind = "client", peer = "orders-db", db(system = "mysql", name = tenant.database, statement = sql))]
#[dd_timed]
fn owned(tenant: &Tenant, sql: String) -> usize {
    sql.len() + tenant.database.len()
}

#[dd_span(db(system = "sqlite", statement = sql, port = port))]
async fn borrowed(sql: Cow<'_, str>, port: u16) -> usize {
    sql.len() + usize::from(port)
}

struct Cache;

impl Cache {
    #[dd_span(db(system = "redis", statement = command, host = host))]
    fn get(&self, command: &str, host: &str) -> bool {
        command.len() > host.len()
    }

    #[dd_span(db(system = "mongodb", name = "catalog"))]
    async fn find(&self) -> Result<u32, std::io::Error> {
        Ok(1)
    }
}

fn main() {
    constant();
    owned(&Tenant { database: "eu".to_owned() }, "SELECT 1".to_owned());
    drop(borrowed(Cow::Borrowed("SELECT 2"), 5432));
    Cache.get("GET k", "cache");
    drop(Cache.find());
}
