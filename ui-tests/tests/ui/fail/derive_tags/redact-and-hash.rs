use dd_instrument::DdTags;

#[derive(DdTags)]
struct Login<'a> {
    #[dd_tag(redact, hash)]
    password: &'a str,
    #[dd_tag(skip, redact)]
    pin: u16,
    #[dd_tag(redact = true)]
    token: &'a str,
}

fn main() {}
