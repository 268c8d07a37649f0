//! What a developer sees on stderr without an Agent: human log lines and the console span tree.
//! Run in a child process whose stderr is a pipe (not a terminal), as under a service manager or
//! a log collector.

use std::collections::BTreeMap;
use std::process::Command;

use dd_instrument::{MetricsExporter, TracesExporter, dd_span};

/// The child's part: set when this binary runs as the child of the test below.
const CHILD: &str = "DD_INSTRUMENT_TEST_CONSOLE_CHILD";

#[dd_span(tags(tenant = tenant, items = 3))]
fn checkout(tenant: &str) {
    tracing::info!(tenant, "checking out");
    tracing::warn!("stock is low");
}

/// Runs in the child process only (ignored otherwise): initializes the console exporters and
/// logs, makes one span and two log lines, and shuts down.
#[test]
#[ignore = "the child of `stderr_has_no_colour_codes_and_the_tree_shows_tags`"]
fn child_writes_logs_and_a_tree() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let guard = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("shop")
        .traces_exporter(TracesExporter::Console)
        .metrics_exporter(MetricsExporter::None)
        .init()
        .expect("init");
    checkout("acme");
    drop(guard);
}

#[test]
fn stderr_has_no_colour_codes_and_the_tree_shows_tags() {
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--ignored", "--exact", "child_writes_logs_and_a_tree", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .output()
        .expect("the child runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "escape codes on a stderr that is not a terminal: {stderr:?}");
    let info = stderr.lines().find(|line| line.contains("checking out")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(info.contains(" INFO ") && info.contains("tenant=\"acme\""), "{info}");
    assert!(stderr.lines().any(|line| line.contains(" WARN ") && line.ends_with("stock is low")), "{stderr}");
    let node =
        stderr.lines().find(|line| line.contains("console_output.checkout")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(node.starts_with("└─ console_output.checkout [internal] "), "{node}");
    assert!(node.ends_with("  tenant=acme  items=3"), "{node}");
}
