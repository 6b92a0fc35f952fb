//! The query side: `from`/`until` parsing and (later) the target language and its functions.
//! Reads the store, never mutates it, does no I/O.

pub mod ast;
pub mod parser;
pub mod time;
