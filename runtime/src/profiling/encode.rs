//! The pprof profile format (`perftools.profiles`, the protobuf Datadog's intake reads), and the
//! encoding of a window of CPU samples into it.
//!
//! The messages are written here with `prost`'s derive (already built for OTLP) rather than
//! taken from the `pprof` crate's `prost-codec` feature, which brings a second, older `prost`
//! and `prost-build`, and whose encoder cannot add the thread labels below.

use std::collections::HashMap;
use std::io::Write as _;
use std::time::{Duration, SystemTime};

/// A profile (`perftools.profiles.Profile`): samples over interned strings and locations.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Profile {
    #[prost(message, repeated, tag = "1")]
    pub(crate) sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    pub(crate) sample: Vec<Sample>,
    #[prost(message, repeated, tag = "4")]
    pub(crate) location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    pub(crate) function: Vec<Function>,
    /// Index 0 is the empty string.
    #[prost(string, repeated, tag = "6")]
    pub(crate) string_table: Vec<String>,
    #[prost(int64, tag = "9")]
    pub(crate) time_nanos: i64,
    #[prost(int64, tag = "10")]
    pub(crate) duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    pub(crate) period_type: Option<ValueType>,
    #[prost(int64, tag = "12")]
    pub(crate) period: i64,
}

/// What a sample value measures (`type` and `unit`, as string indexes).
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub(crate) struct ValueType {
    #[prost(int64, tag = "1")]
    pub(crate) r#type: i64,
    #[prost(int64, tag = "2")]
    pub(crate) unit: i64,
}

/// One stack (leaf first) and its values, with labels.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Sample {
    #[prost(uint64, repeated, tag = "1")]
    pub(crate) location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    pub(crate) value: Vec<i64>,
    #[prost(message, repeated, tag = "3")]
    pub(crate) label: Vec<Label>,
}

/// A label: `key` and either a string (`str`) or a number (`num`).
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub(crate) struct Label {
    #[prost(int64, tag = "1")]
    pub(crate) key: i64,
    #[prost(int64, tag = "2")]
    pub(crate) str: i64,
    #[prost(int64, tag = "3")]
    pub(crate) num: i64,
}

/// One frame: the functions at it, the inlined ones first and their caller last.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Location {
    #[prost(uint64, tag = "1")]
    pub(crate) id: u64,
    #[prost(message, repeated, tag = "4")]
    pub(crate) line: Vec<Line>,
}

/// A function and a line in it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub(crate) struct Line {
    #[prost(uint64, tag = "1")]
    pub(crate) function_id: u64,
    #[prost(int64, tag = "2")]
    pub(crate) line: i64,
}

/// A function: demangled name, symbol name and source file (string indexes).
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub(crate) struct Function {
    #[prost(uint64, tag = "1")]
    pub(crate) id: u64,
    #[prost(int64, tag = "2")]
    pub(crate) name: i64,
    #[prost(int64, tag = "3")]
    pub(crate) system_name: i64,
    #[prost(int64, tag = "4")]
    pub(crate) filename: i64,
}

/// The sample types, in the order of each sample's values: Datadog's names for CPU profiles.
pub(crate) const SAMPLE_TYPES: [(&str, &str); 2] = [("cpu-samples", "count"), ("cpu-time", "nanoseconds")];
/// The label with the thread's id (`pthread_self`, as text).
pub(crate) const THREAD_ID: &str = "thread id";
/// The label with the thread's name, when it has one.
pub(crate) const THREAD_NAME: &str = "thread name";

/// A window of samples, as the sampler took them.
#[derive(Debug)]
pub(crate) struct Window {
    /// Distinct stacks per thread and how many samples each got.
    pub(crate) stacks: Vec<(pprof::Frames, isize)>,
    /// Samples per second of CPU time.
    pub(crate) hz: u32,
    pub(crate) start: SystemTime,
    pub(crate) duration: Duration,
}

impl Window {
    /// The window of an unsymbolized report: resolves the symbols (outside the sampler's lock).
    pub(crate) fn resolve(report: pprof::UnresolvedReport, hz: u32) -> Self {
        let stacks = report
            .data
            .into_iter()
            .map(|(frames, count)| {
                let mut frames = pprof::Frames::from(frames);
                strip_sampler_frames(&mut frames.frames);
                (frames, count)
            })
            .collect();
        Self { stacks, hz, start: report.timing.start_time, duration: report.timing.duration }
    }

    /// Samples in the window.
    pub(crate) fn samples(&self) -> u64 {
        self.stacks.iter().map(|(_, count)| u64::try_from(*count).unwrap_or(0)).sum()
    }

    /// The window as a pprof profile.
    pub(crate) fn profile(&self) -> Profile {
        let mut strings = Strings::default();
        let sample_type = SAMPLE_TYPES
            .iter()
            .map(|(kind, unit)| ValueType { r#type: strings.index(kind), unit: strings.index(unit) })
            .collect::<Vec<_>>();
        let (thread_id, thread_name) = (strings.index(THREAD_ID), strings.index(THREAD_NAME));
        let period = 1_000_000_000 / i64::from(self.hz.max(1));
        let mut functions: HashMap<(i64, i64, i64), u64> = HashMap::new();
        let mut locations: HashMap<Vec<Line>, u64> = HashMap::new();
        let mut profile = Profile {
            time_nanos: self
                .start
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |since| i64::try_from(since.as_nanos()).unwrap_or(i64::MAX)),
            duration_nanos: i64::try_from(self.duration.as_nanos()).unwrap_or(i64::MAX),
            period_type: sample_type.last().copied(),
            period,
            sample_type,
            ..Profile::default()
        };
        for (frames, count) in &self.stacks {
            let count = i64::try_from(*count).unwrap_or(0);
            let mut location_id = Vec::with_capacity(frames.frames.len());
            for frame in &frames.frames {
                let lines = frame
                    .iter()
                    .map(|symbol| {
                        let key = (
                            strings.index(&symbol.name()),
                            strings.index(&symbol.sys_name()),
                            strings.index(&symbol.filename()),
                        );
                        let next = profile.function.len() as u64 + 1;
                        let function_id = *functions.entry(key).or_insert_with(|| {
                            profile.function.push(Function {
                                id: next,
                                name: key.0,
                                system_name: key.1,
                                filename: key.2,
                            });
                            next
                        });
                        Line { function_id, line: i64::from(symbol.lineno()) }
                    })
                    .collect::<Vec<_>>();
                let next = profile.location.len() as u64 + 1;
                let id = *locations.entry(lines.clone()).or_insert_with(|| {
                    profile.location.push(Location { id: next, line: lines });
                    next
                });
                location_id.push(id);
            }
            let mut label = vec![Label { key: thread_id, str: strings.index(&frames.thread_id.to_string()), num: 0 }];
            if !frames.thread_name.is_empty() {
                label.push(Label { key: thread_name, str: strings.index(&frames.thread_name), num: 0 });
            }
            profile.sample.push(Sample { location_id, value: vec![count, count.saturating_mul(period)], label });
        }
        profile.string_table = strings.table;
        profile
    }

    /// The stacks in the "folded" text of flame graph tools: `thread;root;...;leaf count`.
    pub(crate) fn folded(&self) -> Vec<String> {
        use std::fmt::Write as _;
        self.stacks
            .iter()
            .map(|(frames, count)| {
                let mut line = frames.thread_name_or_id();
                for symbol in frames.frames.iter().rev().flat_map(|frame| frame.iter().rev()) {
                    // `;` separates frames: keep it out of names (closures, generics).
                    let _ = write!(line, ";{}", symbol.name().replace(';', ":"));
                }
                let _ = write!(line, " {count}");
                line
            })
            .collect()
    }

    /// The pprof profile, gzip-compressed (as `go tool pprof` and Datadog's intake read it).
    pub(crate) fn gzipped_pprof(&self) -> Vec<u8> {
        gzip(&prost::Message::encode_to_vec(&self.profile()))
    }
}

/// Removes the sampler's own frames from the leaf end of a stack (leaf first). The `pprof` crate
/// drops its signal handler's frame, but in builds that do not inline the unwinder into it (debug
/// builds), the unwinder's frames remain above it, charging the application's CPU time to
/// `backtrace` functions.
fn strip_sampler_frames(frames: &mut Vec<Vec<pprof::Symbol>>) {
    // The unwinder's frames are the first few; `pprof`'s `Trace::trace` is the last of them.
    let last = frames
        .iter()
        .take(16)
        .rposition(|frame| frame.iter().any(|symbol| symbol.name().contains("pprof::backtrace::")));
    if let Some(last) = last {
        frames.drain(..=last);
    }
}

/// Gzip of `bytes` (writing to memory cannot fail).
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::default());
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// The string table being built: each string once, index 0 the empty string.
struct Strings {
    table: Vec<String>,
    index: HashMap<String, i64>,
}

impl Default for Strings {
    fn default() -> Self {
        Self { table: vec![String::new()], index: HashMap::from([(String::new(), 0)]) }
    }
}

impl Strings {
    fn index(&mut self, text: &str) -> i64 {
        if let Some(index) = self.index.get(text) {
            return *index;
        }
        let index = i64::try_from(self.table.len()).unwrap_or(i64::MAX);
        self.table.push(text.to_owned());
        self.index.insert(text.to_owned(), index);
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_window_is_a_valid_profile_with_datadog_s_sample_types() {
        let window =
            Window { stacks: Vec::new(), hz: 100, start: SystemTime::UNIX_EPOCH, duration: Duration::from_mins(1) };
        let bytes = prost::Message::encode_to_vec(&window.profile());
        let profile: Profile = prost::Message::decode(bytes.as_slice()).unwrap();
        let text = |index: i64| profile.string_table[usize::try_from(index).unwrap()].as_str();
        assert_eq!(profile.string_table[0], "");
        let types: Vec<_> = profile.sample_type.iter().map(|t| (text(t.r#type), text(t.unit))).collect();
        assert_eq!(types, SAMPLE_TYPES);
        assert_eq!(profile.period, 10_000_000);
        assert_eq!(profile.duration_nanos, 60_000_000_000);
        assert_eq!(profile.period_type.map(|t| text(t.r#type)), Some("cpu-time"));
        assert!(profile.sample.is_empty());
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read as _;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gzip(b"pprof bytes").as_slice()).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"pprof bytes");
    }
}
