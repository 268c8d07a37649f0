//! Tags evaluated at each call: expressions bound once each before the span (checked
//! `Display`), spreads of `DdTags` values on the span (`span_tags`) and on metrics
//! (`timer_all`, `slo_all`), and `Call::start_tagged` for run-time metric tags.

#[dd_span(tags(team = "carts", shard = shard, user.id = user.id(), ..cart_tags))]
#[dd_timed(tags(shard = shard, ..cart_tags))]
#[dd_slo(name = "cart", target = 99, tags(region = user.region(), ..cart_tags))]
fn load_cart(shard: u32, user: &User, cart_tags: &CartTags) -> u32 {
    shard
}

#[dd_span(tags(shard = shard))]
async fn span_only(shard: u32) {}

#[dd_timed(tags(region = region))]
async fn timed_only(region: &str) {}
