use dd_instrument::dd_span;

#[dd_span]
trait Store {
    fn put(&self, key: &str);
}

fn main() {}
