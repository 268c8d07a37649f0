//! A log layer's output kept in memory: a `MakeWriter` into one shared buffer, read back after
//! the code under test ran.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

/// Everything the layers given a clone of it wrote, in order.
///
/// ```
/// use dd_instrument_tests::writer::SharedWriter;
/// use tracing_subscriber::prelude::*;
///
/// let output = SharedWriter::default();
/// let layer = tracing_subscriber::fmt::layer().with_ansi(false).with_writer(output.clone());
/// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || tracing::info!("hello"));
/// assert!(output.text().contains("hello"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl SharedWriter {
    /// The bytes written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The text written so far.
    ///
    /// # Panics
    ///
    /// If what was written is not UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8(self.bytes()).expect("UTF-8 output")
    }
}

impl io::Write for SharedWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl MakeWriter<'_> for SharedWriter {
    type Writer = SharedWriter;

    fn make_writer(&self) -> Self::Writer {
        self.clone()
    }
}
