use dd_instrument::DdError;

#[derive(DdError)]
union Failure {
    code: u32,
    ratio: f32,
}

fn main() {}
