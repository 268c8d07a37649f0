//! Methods: `&self`, `&mut self`, `self`, `self: Box<Self>`, constructors, generic impls,
//! trait impls, default trait methods.
#![deny(warnings)]

use std::fmt::Debug;

use dd_instrument::{dd_slo, dd_span, dd_timed};

struct Cart {
    items: Vec<u32>,
}

impl Cart {
    #[dd_span]
    fn new() -> Self {
        Self { items: Vec::new() }
    }

    #[dd_span]
    fn with_items(items: Vec<u32>) -> Cart {
        Cart { items }
    }

    #[dd_span]
    fn add(&mut self, item: u32) -> &mut Self {
        self.items.push(item);
        self
    }

    #[dd_timed]
    fn total(&self) -> u32 {
        self.items.iter().sum()
    }

    #[dd_span]
    fn first<'a>(&'a self) -> Option<&'a u32> {
        self.items.first()
    }

    #[dd_slo(name = "cart-checkout", target = 99.5)]
    fn into_items(mut self) -> Vec<u32> {
        self.items.sort_unstable();
        self.items
    }

    #[dd_span]
    fn boxed(self: Box<Self>) -> usize {
        self.items.len()
    }
}

struct Wrapper<T>(T);

impl<T: Clone + Debug> Wrapper<T> {
    #[dd_span]
    fn get(&self) -> T {
        self.0.clone()
    }

    #[dd_span]
    fn map<U, F>(self, f: F) -> Wrapper<U>
    where
        F: FnOnce(T) -> U,
    {
        Wrapper(f(self.0))
    }
}

trait Store {
    fn put(&mut self, key: &str) -> usize;

    #[dd_span]
    fn put_twice(&mut self, key: &str) -> usize {
        self.put(key) + self.put(key)
    }
}

struct Memory {
    keys: Vec<String>,
}

impl Store for Memory {
    #[dd_span(kind = "client", peer = "memory")]
    #[dd_timed]
    fn put(&mut self, key: &str) -> usize {
        self.keys.push(key.to_owned());
        self.keys.len()
    }
}

fn main() {
    let mut cart = Cart::new();
    cart.add(3).add(1);
    assert_eq!(cart.total(), 4);
    assert_eq!(cart.first(), Some(&3));
    assert_eq!(cart.into_items(), [1, 3]);
    assert_eq!(Box::new(Cart::with_items(vec![1])).boxed(), 1);
    let wrapper = Wrapper(String::from("x"));
    assert_eq!(wrapper.get(), "x");
    assert_eq!(wrapper.map(|s| s.len()).0, 1);
    let mut memory = Memory { keys: Vec::new() };
    assert_eq!(memory.put_twice("k"), 3);
}
