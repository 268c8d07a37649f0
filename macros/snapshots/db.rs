//! `db(..)`: a statement bound once as `&str`, its shape kept in a site static; the database
//! fields declared once each, the resource the obfuscated statement or the function name.

const FIND: &str = "SELECT * FROM orders WHERE id = $1";

#[dd_span(db(system = "postgresql", name = tenant, statement = FIND, host = "db.internal", port = 5432))]
fn find_order(tenant: &str) -> u32 {
    1
}
