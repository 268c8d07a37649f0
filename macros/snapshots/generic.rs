//! Generics, lifetimes, `where` clauses and `impl Trait`: an `impl Trait` in the return type
//! is erased to `_` in the fake return and the outcome closure leaves the type to inference.

#[dd_span]
fn longest<'a, T: AsRef<str> + ?Sized>(first: &'a T, second: &'a T) -> &'a str
where
    T: Sync,
{
    if first.as_ref().len() >= second.as_ref().len() { first.as_ref() } else { second.as_ref() }
}

#[dd_span]
fn display(value: impl Display) -> Result<impl Display, Error> {
    Ok(value)
}

#[dd_timed]
async fn load<T, F>(make: F) -> T
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    make()
}
