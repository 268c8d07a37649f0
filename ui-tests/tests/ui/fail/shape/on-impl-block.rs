use dd_instrument::dd_timed;

struct Cart;

#[dd_timed]
impl Cart {
    fn total(&self) -> u32 {
        0
    }
}

fn main() {}
