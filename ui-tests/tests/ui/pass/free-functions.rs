#![deny(warnings)]

use dd_instrument::dd_span;

#[dd_span]
fn plain(secret: u32) -> u32 {
    secret + 1
}

fn main() {
    assert_eq!(plain(1), 2);
}
