//! The one expander of `#[dd_span]`, `#[dd_timed]` and `#[dd_slo]`, in four phases:
//!
//! 1. [`reject`]: the item must be a function with a body, and not a `const fn`;
//! 2. [`stack`]: the `dd_*` attributes on the function, each parsed and validated into its
//!    config by [`crate::attr`], and the `crate = ..` path they agree on;
//! 3. [`shape`]: how the body runs (sync, `async`, returning an `async` block) and what it
//!    returns;
//! 4. [`codegen`]: the one wrapper they all expand to.
//!
//! Dependencies flow one way: this module uses the configs of [`crate::attr`], which use
//! [`crate::grammar`]; neither calls back in here.

mod codegen;
mod reject;
mod shape;
mod stack;

use proc_macro2::TokenStream;
use quote::quote;

use self::codegen::Plan;
use self::shape::Shape;
use crate::attr::Macro;
use crate::grammar::Errors;

/// Expands the attribute `first` with arguments `args` on `item`, together with the other
/// `dd_*` attributes found on `item`.
pub(crate) fn expand(first: Macro, args: TokenStream, item: TokenStream) -> TokenStream {
    if stack::is_marker(&args) {
        // Already expanded by the outermost `dd_*` attribute of this function.
        return item;
    }
    let mut func = match reject::function(first, item) {
        Ok(func) => func,
        Err(output) => return output,
    };
    let mut errors = Errors::default();
    let stack = stack::collect(first, args, &mut func.attrs, &mut errors);
    reject::const_fn(first, &func.sig, &mut errors);
    let krate = stack.crate_path(&mut errors);
    if !errors.is_empty() {
        // The function as written, so the rest of the crate still type-checks.
        let errors = errors.to_compile_errors();
        return quote!(#func #errors);
    }
    let shape = Shape::of(&func.sig, &func.block);
    let is_method = shape::is_method(&func.sig, &func.block);
    codegen::generate(&Plan::new(stack, krate.as_ref()), &func, &shape, is_method)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    #[test]
    fn markers_expand_to_the_item_unchanged() {
        let item = quote!(
            #[doc = "kept"]
            fn f() {}
        );
        assert_eq!(expand(Macro::Span, quote!(__dd_stacked), item.clone()).to_string(), item.to_string());
    }
}
