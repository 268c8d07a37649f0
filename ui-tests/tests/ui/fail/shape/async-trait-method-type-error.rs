use async_trait::async_trait;
use dd_instrument::dd_span;

#[async_trait]
trait Cache {
    async fn len(&self) -> usize;
}

struct Memory;

#[async_trait]
impl Cache for Memory {
    #[dd_span]
    async fn len(&self) -> usize {
        "empty"
    }
}

fn main() {}
