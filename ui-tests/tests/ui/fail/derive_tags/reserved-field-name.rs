use dd_instrument::DdTags;

#[derive(DdTags)]
struct DeployTags<'a> {
    env: &'a str,
    region: &'a str,
}

fn main() {}
