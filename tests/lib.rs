//! End-to-end tests of Koers; the tests live in tests/*.rs, the shared helpers here.
//!
//! `cli` runs the real `koers` binary as a person would, each test in its own temporary
//! folder; see its module docs for how the binary is found.

pub mod bureau;
pub mod cli;
