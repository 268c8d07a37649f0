use dd_instrument::dd_timed;

// Tag expressions are evaluated before the body, so they may borrow arguments the body
// later moves; a tag that moves an argument the body still uses is a user error, reported
// on the user's code.
#[dd_timed(tags(len = consume(items)))]
fn total(items: Vec<u32>) -> u32 {
    items.iter().sum()
}

fn consume(items: Vec<u32>) -> usize {
    items.len()
}

fn main() {}
