use dd_instrument::dd_slo;

trait Store {
    #[dd_slo(name = "store-put", target = 99.9)]
    fn put(&self, key: &str) -> usize;
}

fn main() {}
