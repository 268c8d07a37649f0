use dd_instrument::dd_span;

#[dd_span(tags(Team = "payments", env = "prod", team = 1, team = 2))]
fn charge() {}

fn main() {}
