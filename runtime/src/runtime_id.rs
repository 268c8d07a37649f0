//! The process's `runtime-id`: one random UUID (version 4) per process, the same on runtime
//! metrics, profiles and, with native export, spans (Datadog's SDK generates its own, which is
//! adopted when traces start first), so Datadog links them.

use std::sync::OnceLock;

static ID: OnceLock<String> = OnceLock::new();

/// The process's runtime id, made at first use unless one was adopted before.
pub(crate) fn get() -> &'static str {
    ID.get_or_init(random_uuid)
}

/// Takes `id` (Datadog's SDK's) as the process's runtime id, unless one is already in use.
#[cfg(feature = "datadog")]
pub(crate) fn adopt(id: &str) {
    if ID.set(id.to_owned()).is_err() && get() != id {
        tracing::debug!(
            target: "dd_instrument",
            "runtime metrics and profiles keep the runtime-id {} (in use before traces started); spans carry {id}",
            get()
        );
    }
}

fn random_uuid() -> String {
    let mut bytes = [0_u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness: the process id and the clock still tell processes apart.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes = (nanos ^ (u128::from(std::process::id()) << 96)).to_be_bytes();
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    });
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[cfg(test)]
mod tests {
    #[test]
    fn runtime_ids_are_uuid_v4_and_one_per_process() {
        let (a, b) = (super::random_uuid(), super::random_uuid());
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert_eq!(id.len(), 36, "{id}");
            assert_eq!(id.as_bytes()[14], b'4', "{id}");
            assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "{id}");
        }
        assert_eq!(super::get(), super::get());
    }
}
