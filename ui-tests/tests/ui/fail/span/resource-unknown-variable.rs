use dd_instrument::dd_span;

#[dd_span(resource = request.route())]
fn handle(req: &str) -> usize {
    req.len()
}

fn main() {}
