//! `db(..)`: the statement's site and shape, and the span fields of a database call.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned as _;

use super::call::Bindings;
use crate::grammar::db::{DbConfig, DbValue};
use crate::tokens::respan;

/// `static __DD_DB`, when the call has a statement: where its shape is kept.
pub(super) fn site(db: &DbConfig, p: &TokenStream) -> TokenStream {
    let system = &db.system;
    if db.statement.is_none() {
        return TokenStream::new();
    }
    quote!(static __DD_DB: #p::DbSite = #p::DbSite::new(#system);)
}

/// `let __dd_db = ..;`: the shape of this call's statement (obfuscated), which the span's
/// `resource.name`, `db.statement` and `db.operation` read.
pub(super) fn statement(db: &DbConfig, p: &TokenStream, bindings: &mut Bindings<'_>) -> TokenStream {
    if let Some(expr) = &db.statement {
        let local = bindings.bind_statement(expr);
        quote!(let __dd_db = __DD_DB.statement(::core::option::Option::Some(#local));)
    } else {
        quote!(let __dd_db = #p::DbStatement::NONE;)
    }
}

/// The span's database fields, each declared once: `span.type`, `db.*`, `server.*`, `out.*`.
pub(super) fn fields(db: &DbConfig, p: &TokenStream, bindings: &mut Bindings<'_>) -> Vec<TokenStream> {
    let (system, span_type) = (&db.system, db.span_type);
    let mut fields = vec![quote!("span.type" = #span_type), quote!("db.system" = #system)];
    let mut value = |key: &str, bound_as: &str, value: &DbValue| match value {
        DbValue::Lit(lit) => lit.clone(),
        DbValue::Expr(expr) => {
            let local = bindings.bind(bound_as, expr);
            respan(quote!(#p::field!(#key, #local.get()).value()), expr.span())
        }
    };
    if let Some(name) = &db.name {
        let name = value("db.name", "db.name", name);
        fields.push(quote!("db.name" = #name));
    }
    fields.push(quote!("db.operation" = __dd_db.operation()));
    fields.push(quote!("db.statement" = __dd_db.recorded()));
    if let Some(host) = &db.host {
        for key in ["server.address", "out.host"] {
            let host = value(key, "server.address", host);
            fields.push(quote!(#key = #host));
        }
    }
    if let Some(port) = &db.port {
        for key in ["server.port", "out.port"] {
            let port = value(key, "server.port", port);
            fields.push(quote!(#key = #port));
        }
    }
    fields
}
