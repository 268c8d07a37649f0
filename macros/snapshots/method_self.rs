//! Methods: `&self`, `&mut self`, `self`, and associated functions that mention `Self` get
//! `Type::method` as their default resource (a `ResourceCache` static); a nested item's `Self`
//! does not count.

impl Cart {
    #[dd_span]
    fn total(&self) -> u64 {
        self.items.iter().sum()
    }

    #[dd_span]
    async fn add(&mut self, item: u64) {
        self.items.push(item);
    }

    #[dd_span]
    fn into_items(self) -> Vec<u64> {
        self.items
    }

    #[dd_span]
    fn new() -> Self {
        Self { items: Vec::new() }
    }

    #[dd_span]
    fn made_by_macro() -> Cart {
        make!(Self)
    }

    #[dd_span]
    fn nested_self_is_not_a_method() -> u32 {
        struct Inner;
        impl Inner {
            fn get(&self) -> u32 {
                Self::VALUE
            }
        }
        1
    }
}
