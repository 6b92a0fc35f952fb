//! Writers that turn series into response bytes. Pure functions: no store, no AST, no I/O.

pub mod json;
