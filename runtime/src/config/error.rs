//! [`InitError`]: why `init` failed, naming the variable or setting and the value.

/// Why [`init`](crate::init()) or [`Builder::build`](crate::Builder::build) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// An environment variable has a value that cannot be used.
    #[error("invalid value {value:?} for {variable}: {reason}")]
    InvalidEnv {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A value given to the [`Builder`](crate::Builder) cannot be used.
    #[error("invalid {setting} {value:?}: {reason}")]
    InvalidSetting {
        /// The builder method.
        setting: &'static str,
        /// The value.
        value: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// Another `tracing` subscriber is already the global default. Use
    /// [`Builder::build`](crate::Builder::build) and add [`Guard::layer`](crate::Guard::layer)
    /// to your own subscriber instead.
    #[error(
        "a global tracing subscriber is already set; build the telemetry with `dd_instrument::builder().build()` and add its layer to your subscriber instead"
    )]
    SubscriberAlreadySet,
    /// A metrics pipeline from an earlier [`Guard`](crate::Guard) is still running.
    #[error("dd-instrument metrics are already being exported; drop the earlier guard first")]
    AlreadyRunning,
    /// An exporter could not be created.
    #[error("could not create the {exporter} exporter: {message}")]
    Exporter {
        /// Which exporter.
        exporter: &'static str,
        /// Why.
        message: String,
    },
    /// The configuration asks for something this build does not include.
    #[error("{what} needs the `{feature}` feature of dd-instrument")]
    FeatureDisabled {
        /// What was asked for.
        what: &'static str,
        /// The cargo feature to enable.
        feature: &'static str,
    },
}

/// Longest part of a value echoed in a message, in characters; the rest is replaced by its size.
const ECHO_CHARS: usize = 80;
/// Longest explanation kept in a message, in characters (explanations may quote parts of the
/// value).
const REASON_CHARS: usize = 400;

/// The error for `variable` set to `value`, with the value cut to a readable length.
pub(crate) fn invalid_env(variable: &'static str, value: &str, reason: impl Into<String>) -> InitError {
    InitError::InvalidEnv { variable, value: shorten(value), reason: cut(&reason.into(), REASON_CHARS) }
}

/// The error for the builder `setting` given `value`, with the value cut to a readable length.
pub(crate) fn invalid_setting(setting: &'static str, value: &str, reason: impl Into<String>) -> InitError {
    InitError::InvalidSetting { setting, value: shorten(value), reason: cut(&reason.into(), REASON_CHARS) }
}

/// `text` as echoed in a message: whole when short, else its first 80 characters and
/// `…(N bytes)`, N the size of the whole.
pub(crate) fn shorten(text: &str) -> String {
    cut(text, ECHO_CHARS)
}

fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…({} bytes)", &text[..end], text.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_to_a_readable_length() {
        assert_eq!(shorten("short"), "short");
        let exact = "a".repeat(80);
        assert_eq!(shorten(&exact), exact);
        let long = "é".repeat(1 << 19);
        assert_eq!(shorten(&long), format!("{}…(1048576 bytes)", "é".repeat(80)));
        let error = invalid_env("DD_TAGS", &"x".repeat(1 << 20), format!("entry `{}` is bad", "y".repeat(1000)));
        let message = error.to_string();
        assert!(message.len() < 600, "{} bytes: {message}", message.len());
        assert!(
            message
                .starts_with(&format!("invalid value \"{}…(1048576 bytes)\" for DD_TAGS: entry `yyy", "x".repeat(80)))
        );
    }
}
