use dd_instrument::DdError;

#[derive(Debug, DdError)]
struct Timeout {
    after_ms: u64,
}

fn main() {}
