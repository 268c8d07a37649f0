//! A synchronous free function: the body runs in a closure through `Call::run_sync`, and the
//! outcome closure names the declared return type.

#[dd_span]
fn load_cart(user: u64) -> Result<u32, CartError> {
    if user == 0 {
        return Err(CartError::NoUser);
    }
    let count = lookup(user)?;
    Ok(count)
}

#[dd_span]
fn no_return_type(user: u64) {
    println!("{user}");
}
