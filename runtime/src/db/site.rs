//! The per-call side of `#[dd_span(db(..))]`: one [`DbSite`] per annotated function, which
//! turns each call's statement into what its span records.
//!
//! Obfuscating a statement costs far more than the rest of a span (see docs/PERFORMANCE.md), and
//! most call sites send one statement, a constant, again and again. So a site keeps the shape of
//! the first statement it sees (up to [`MAX_CACHED`] bytes): a later call with the same text
//! (compared byte for byte, never by address, since a reused buffer can hold another statement at
//! the same address) under the same redaction reuses it without allocating. Other statements are
//! obfuscated and redacted per call, and so is the first one if the redaction in effect changed
//! since it was shaped (a site first called under a subscriber of the application's before the
//! first start installed the process's redaction).

use std::sync::OnceLock;

use super::Shape;

/// Longest statement a site keeps: the memory a site holds stays bounded.
pub(crate) const MAX_CACHED: usize = 4096;

/// One function's `db(system = ..)`, and the shape of the first statement it sent.
#[doc(hidden)]
#[derive(Debug)]
pub struct DbSite {
    system: &'static str,
    /// The first statement, its shape, and the address of the redaction that shaped it.
    first: OnceLock<(Box<str>, Shape, usize)>,
}

impl DbSite {
    /// The site of a function whose calls go to `system` (`db.system`, checked by the macro).
    pub const fn new(system: &'static str) -> Self {
        Self { system, first: OnceLock::new() }
    }

    /// What a call sending `statement` records: its operation, obfuscated statement and
    /// resource. Nothing is computed when no subscriber takes `INFO` spans.
    pub fn statement<'s>(&'s self, statement: Option<&str>) -> DbStatement<'s> {
        let Some(text) = statement else {
            return DbStatement(Kept::None);
        };
        if !tracing::level_enabled!(tracing::Level::INFO) {
            return DbStatement(Kept::None);
        }
        let redaction = std::ptr::from_ref(crate::redact::current()).addr();
        let cached = match self.first.get() {
            Some(first) => first,
            None if text.len() > MAX_CACHED => return DbStatement(Kept::Own(shaped(self.system, text))),
            None => self.first.get_or_init(|| (text.into(), shaped(self.system, text), redaction)),
        };
        let (first, shape, shaped_under) = cached;
        if **first == *text && *shaped_under == redaction {
            DbStatement(Kept::Site(shape))
        } else {
            DbStatement(Kept::Own(shaped(self.system, text)))
        }
    }
}

/// The shape of `text`, its recorded statement redacted as any other text leaving the process
/// (literals are gone already; this covers identifiers that look like an email address).
fn shaped(system: &str, text: &str) -> Shape {
    let mut shape = super::shape(system, Some(text));
    let redaction = crate::redact::current();
    for value in [&mut shape.statement, &mut shape.resource].into_iter().flatten() {
        if let std::borrow::Cow::Owned(redacted) = redaction.redact(value) {
            *value = redacted;
        }
    }
    shape
}

/// What one call's span records of its statement.
#[doc(hidden)]
#[derive(Debug)]
pub struct DbStatement<'s>(Kept<'s>);

#[derive(Debug)]
enum Kept<'s> {
    None,
    Site(&'s Shape),
    Own(Shape),
}

impl DbStatement<'_> {
    /// No statement (or no span to record it in).
    pub const NONE: DbStatement<'static> = DbStatement(Kept::None);

    fn shape(&self) -> Option<&Shape> {
        match &self.0 {
            Kept::None => None,
            Kept::Site(shape) => Some(shape),
            Kept::Own(shape) => Some(shape),
        }
    }

    /// `db.operation`: `SELECT`, `GET`, ...
    pub fn operation(&self) -> Option<&'static str> {
        self.shape().and_then(|shape| shape.operation)
    }

    /// `db.statement`: the obfuscated statement (SQL and CQL only).
    pub fn recorded(&self) -> Option<&str> {
        self.shape().and_then(|shape| shape.statement.as_deref())
    }

    /// The resource: the obfuscated statement, or a key-value store's command; `None` leaves the
    /// span its default resource.
    pub fn resource(&self) -> Option<&str> {
        self.shape().and_then(|shape| shape.resource.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_subscriber<R>(f: impl FnOnce() -> R) -> R {
        let subscriber = tracing_subscriber::registry();
        tracing::subscriber::with_default(subscriber, f)
    }

    #[test]
    fn the_first_statement_is_kept_and_reused_by_content() {
        static SITE: DbSite = DbSite::new("postgresql");
        with_subscriber(|| {
            let first = SITE.statement(Some("SELECT * FROM orders WHERE id = 42"));
            assert!(matches!(first.0, Kept::Site(_)));
            assert_eq!(first.resource(), Some("SELECT * FROM orders WHERE id = ?"));
            assert_eq!(first.recorded(), Some("SELECT * FROM orders WHERE id = ?"));
            assert_eq!(first.operation(), Some("SELECT"));
            // The same text from another buffer: the kept shape.
            let again = String::from("SELECT * FROM orders WHERE id = 42");
            assert!(matches!(SITE.statement(Some(&again)).0, Kept::Site(_)));
            // The same address with other text is another statement.
            let other = SITE.statement(Some("SELECT * FROM orders WHERE id = 43"));
            assert!(matches!(other.0, Kept::Own(_)));
            assert_eq!(other.resource(), Some("SELECT * FROM orders WHERE id = ?"));
            let delete = SITE.statement(Some("DELETE FROM carts WHERE owner = 'alice@example.com'"));
            assert_eq!(
                (delete.operation(), delete.resource()),
                (Some("DELETE"), Some("DELETE FROM carts WHERE owner = ?"))
            );
        });
    }

    #[test]
    fn long_statements_are_not_kept() {
        static SITE: DbSite = DbSite::new("mysql");
        let long = format!("SELECT {} FROM t WHERE id = 1", "c, ".repeat(MAX_CACHED));
        with_subscriber(|| {
            assert!(matches!(SITE.statement(Some(&long)).0, Kept::Own(_)));
            assert!(SITE.first.get().is_none());
        });
    }

    #[test]
    fn commands_and_other_systems() {
        static REDIS: DbSite = DbSite::new("redis");
        static MONGO: DbSite = DbSite::new("mongodb");
        with_subscriber(|| {
            let get = REDIS.statement(Some("GET user:42:email"));
            assert_eq!((get.operation(), get.recorded(), get.resource()), (Some("GET"), None, Some("GET")));
            let find = MONGO.statement(Some("{\"find\": \"orders\", \"filter\": {\"id\": 1}}"));
            assert_eq!((find.operation(), find.recorded(), find.resource()), (None, None, None));
        });
    }

    #[test]
    fn no_statement_records_nothing() {
        static SITE: DbSite = DbSite::new("postgresql");
        with_subscriber(|| assert!(matches!(SITE.statement(None).0, Kept::None)));
        assert_eq!(DbStatement::NONE.resource(), None);
    }

    #[test]
    fn identifiers_that_look_like_emails_are_redacted() {
        static SITE: DbSite = DbSite::new("postgresql");
        with_subscriber(|| {
            let shape = SITE.statement(Some("SELECT * FROM \"alice@example.com\" WHERE id = 1"));
            let resource = shape.resource().unwrap();
            assert!(!resource.contains("alice@example.com"), "{resource}");
            assert!(resource.contains("[REDACTED:email]"), "{resource}");
        });
    }
}
