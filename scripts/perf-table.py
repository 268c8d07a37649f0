#!/usr/bin/env python3
"""Turns the criterion results of `cargo bench -p dd-instrument --bench overhead` into the
Markdown table of docs/PERFORMANCE.md: median ns per call and ratios against references
measured in the same run."""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion" / "per_call"
if not root.is_dir():
    sys.exit(f"no criterion results in {root}: run `cargo bench -p dd-instrument --bench overhead` first")

medians = {}
for estimates in root.glob("*/new/estimates.json"):
    data = json.loads(estimates.read_text())
    medians[estimates.parent.parent.name] = data["median"]["point_estimate"]

batch = {}
for estimates in (root.parent / "per_call_batch").glob("*/new/estimates.json"):
    batch[estimates.parent.parent.name] = json.loads(estimates.read_text())["median"]["point_estimate"]

floor = medians.get("floor_instant_pair_two_atomics")
hand = medians.get("ref_hand_written_span_histogram_two_counters")
rows = [
    ("plain_call", "plain `#[inline(never)]` call"),
    ("floor_instant_pair_two_atomics", "floor: `Instant` pair + two relaxed atomics"),
    ("dd_timed_dd_slo_dogstatsd", "`#[dd_timed]` + `#[dd_slo]`, DogStatsD to a bound, never-read socket"),
    ("dd_timed_dd_slo_same_arguments", "`#[dd_timed]` + `#[dd_slo]`, given a `region: &str` it does not tag"),
    ("dd_timed_dd_slo_runtime_tag", "`#[dd_timed]` + `#[dd_slo]`, both with `tags(region = region)` (4 values)"),
    ("dd_span", "`#[dd_span]`"),
    ("dd_span_dd_timed_dd_slo", "`#[dd_span]` + `#[dd_timed]` + `#[dd_slo]` stacked"),
    ("ref_instrument_skip_all_otel_layer", "reference: `#[instrument(skip_all)]` + tracing-opentelemetry (defaults)"),
    ("ref_hand_written_span_histogram_two_counters", "reference: hand-written tracing-otel span + OTel histogram + 2 counters"),
    ("ref_dogstatsd_crate_timing_and_incr", "reference: `dogstatsd` crate, timing + incr (one UDP send each)"),
    ("floor_two_threads", "floor, 2 threads at once (wall time per iteration of both)"),
    ("dd_timed_dd_slo_two_threads", "`#[dd_timed]` + `#[dd_slo]`, 2 threads at once, same function"),
]
print("| benchmark | median ns/call | vs floor | vs hand-written |")
print("|---|---:|---:|---:|")
for key, label in rows:
    if key not in medians:
        continue
    ns = medians[key]
    vs_floor = f"{ns / floor:.2f}x" if floor else ""
    vs_hand = f"{ns / hand:.2f}x" if hand else ""
    print(f"| {label} | {ns:.1f} | {vs_floor} | {vs_hand} |")

same = medians.get("dd_timed_dd_slo_same_arguments")
if same and "dd_timed_dd_slo_runtime_tag" in medians:
    print()
    print(f"Run-time tag vs none (same arguments): {medians['dd_timed_dd_slo_runtime_tag'] / same:.2f}x")

uninit = {}
for estimates in (root.parent / "per_call_uninit").glob("*/new/estimates.json"):
    uninit[estimates.parent.parent.name] = json.loads(estimates.read_text())["median"]["point_estimate"]
if uninit:
    print()
    print("| benchmark (runtime never initialised: no subscriber, no exporter) | median ns/call | vs plain call |")
    print("|---|---:|---:|")
    plain = uninit.get("plain_call")
    for key, label in [
        ("plain_call", "plain `#[inline(never)]` call"),
        ("unannotated_same_body", "the stacked function without its attributes (a call that makes a call)"),
        ("dd_span_dd_timed_dd_slo", "`#[dd_span]` + `#[dd_timed]` + `#[dd_slo]` stacked"),
    ]:
        if key in uninit:
            ratio = f"{uninit[key] / plain:.2f}x" if plain else ""
            print(f"| {label} | {uninit[key]:.1f} | {ratio} |")

if batch:
    print()
    print("| benchmark (batch processor) | median ns/call |")
    print("|---|---:|")
    for key, label in [("dd_span", "`#[dd_span]`"), ("ref_instrument_skip_all_otel_layer", "reference: `#[instrument(skip_all)]` + tracing-opentelemetry (defaults)")]:
        if key in batch:
            print(f"| {label} | {batch[key]:.1f} |")
