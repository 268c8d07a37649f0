use dd_instrument::dd_slo;

#[dd_slo(name = "checkout", target = 99.9)]
fn code(ok: bool) -> u32 {
    if !ok {
        return "failed";
    }
    200
}

fn main() {}
