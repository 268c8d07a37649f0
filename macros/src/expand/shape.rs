//! Phase 3: the shape of the function, as the wrapper needs it: how its body runs (sync,
//! `async`, returning an `async` block), what it returns (a type that can be named, `impl
//! Trait`, `!`), and whether it is a method.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned as _;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{
    Block, Expr, ExprAsync, ExprCall, GenericArgument, Item, PathArguments, ReturnType, Signature, Stmt, Token, Type,
    TypeParamBound,
};

/// How the body is instrumented.
pub(crate) enum Shape<'a> {
    /// A synchronous body of a function returning `!`. `!` cannot be named as a closure's return
    /// type on stable: the body runs as a `()` closure (a diverging body coerces), and can only
    /// end by panicking.
    Diverging,
    /// A synchronous body: runs in a closure.
    Sync(Output),
    /// An `async fn`: its body becomes an instrumented `async move` block.
    Async(Output),
    /// A function whose last expression is an `async` block, possibly in `Box::pin(..)`, as
    /// `#[async_trait]` generates: the block is instrumented, the `Call` starts outside it.
    ReturnsAsync {
        async_expr: &'a ExprAsync,
        boxed: Option<&'a ExprCall>,
        /// `T` of the boxed future's `Output = T`, when it can be named.
        output: Option<Type>,
    },
}

impl<'a> Shape<'a> {
    pub(crate) fn of(sig: &Signature, block: &'a Block) -> Self {
        if sig.asyncness.is_some() {
            return Self::Async(Output::of(sig));
        }
        match returned_async(block) {
            Some((async_expr, boxed)) => {
                let output = boxed.and(boxed_future_output(&sig.output)).filter(|output| !contains_impl_trait(output));
                Self::ReturnsAsync { async_expr, boxed, output }
            }
            None if returns_never(&sig.output) => Self::Diverging,
            None => Self::Sync(Output::of(sig)),
        }
    }
}

/// The declared return type, as the wrapper restates it: in the fake return that makes the
/// closure or `async` block return exactly that type, and in the outcome closure.
pub(crate) struct Output {
    /// Where the fake return points: the return type, or the function's name when there is none.
    pub(crate) span: Span,
    /// The type of the fake return's `let`: `impl Trait` erased to `_`, and `!` as `_`.
    pub(crate) annotation: Type,
    /// The type the outcome closure can name; `None` for `impl Trait` and `!`.
    pub(crate) named: Option<Type>,
}

impl Output {
    fn of(sig: &Signature) -> Self {
        let (ty, span) = match &sig.output {
            ReturnType::Type(_, ty) => ((**ty).clone(), ty.span()),
            ReturnType::Default => (syn::parse_quote!(()), sig.ident.span()),
        };
        let has_impl = contains_impl_trait(&ty);
        let never = matches!(ty, Type::Never(_));
        let annotation: Type = if never { syn::parse_quote!(_) } else { erase_impl_trait(ty.clone()) };
        Self { span, annotation, named: (!has_impl && !never).then_some(ty) }
    }
}

fn returns_never(output: &ReturnType) -> bool {
    matches!(output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)))
}

/// The `async` block the body ends with, and the `Box::pin(..)` call around it if any.
fn returned_async(block: &Block) -> Option<(&ExprAsync, Option<&ExprCall>)> {
    let Some(Stmt::Expr(last, None)) = block.stmts.last() else {
        return None;
    };
    match last {
        Expr::Async(async_expr) => Some((async_expr, None)),
        Expr::Call(call @ ExprCall { func, args, .. }) if args.len() == 1 => {
            let (Expr::Path(path), Some(Expr::Async(async_expr))) = (&**func, args.first()) else {
                return None;
            };
            let segments: Vec<String> = path.path.segments.iter().map(|segment| segment.ident.to_string()).collect();
            if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) {
                return None;
            }
            Some((async_expr, Some(call)))
        }
        _ => None,
    }
}

/// `T` of a `Pin<Box<dyn Future<Output = T> + ..>>` return type.
fn boxed_future_output(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let pin = last_segment_argument(ty, "Pin")?;
    let boxed = last_segment_argument(pin, "Box")?;
    let Type::TraitObject(object) = boxed else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let segment = bound.path.segments.last().filter(|segment| segment.ident == "Future")?;
        let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
            return None;
        };
        arguments.args.iter().find_map(|argument| match argument {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

/// The single type argument of `ty` when its last path segment is `name`: `Pin<T>` -> `T`.
fn last_segment_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last().filter(|segment| segment.ident == name)?;
    let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    match arguments.args.first()? {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    }
}

/// Whether the function is a method: a `self` receiver, or `Self` in its signature or body
/// (outside nested items). Methods get `Type::method` as their default resource.
pub(crate) fn is_method(sig: &Signature, block: &Block) -> bool {
    struct FindSelf(bool);
    impl Visit<'_> for FindSelf {
        fn visit_ident(&mut self, ident: &syn::Ident) {
            self.0 |= ident == "Self";
        }
        fn visit_item(&mut self, _: &Item) {}
        fn visit_macro(&mut self, mac: &syn::Macro) {
            self.visit_path(&mac.path);
            self.0 |= tokens_mention_self(mac.tokens.clone());
        }
    }
    if sig.receiver().is_some() {
        return true;
    }
    let mut find = FindSelf(false);
    find.visit_signature(sig);
    find.visit_block(block);
    find.0
}

fn tokens_mention_self(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => ident == "Self",
        proc_macro2::TokenTree::Group(group) => tokens_mention_self(group.stream()),
        _ => false,
    })
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct FindImpl(bool);
    impl Visit<'_> for FindImpl {
        fn visit_type_impl_trait(&mut self, _: &syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut find = FindImpl(false);
    find.visit_type(ty);
    find.0
}

/// `ty` with every `impl Trait` replaced by `_`, for a `let` annotation.
fn erase_impl_trait(mut ty: Type) -> Type {
    struct Erase;
    impl VisitMut for Erase {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(found) = ty {
                *ty = Type::Infer(syn::TypeInfer { underscore_token: Token![_](found.impl_token.span) });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    Erase.visit_type_mut(&mut ty);
    ty
}
