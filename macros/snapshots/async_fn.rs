//! `async fn`: the body becomes an `async move` block run by `Instrumented`, awaited in place.

#[dd_span]
async fn charge(order_id: u64) -> Result<u64, PayError> {
    let receipt = gateway(order_id).await?;
    Ok(receipt)
}

#[dd_span]
async fn nothing() {}
