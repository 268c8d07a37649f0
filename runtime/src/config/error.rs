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

pub(crate) fn invalid_env(variable: &'static str, value: &str, reason: impl Into<String>) -> InitError {
    InitError::InvalidEnv { variable, value: value.to_owned(), reason: reason.into() }
}
