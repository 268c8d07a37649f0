//! Compile tests of dd-instrument's macros: see `tests/ui.rs` and `tests/ui/`.
