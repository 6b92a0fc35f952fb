//! Writers that turn series into response bytes, and the maxDataPoints consolidation they
//! apply first. Pure functions: no store, no AST, no I/O.

pub mod canvas;
pub mod consolidate;
pub mod csv;
mod font;
pub mod graph;
pub mod json;
mod raster;
pub mod raw;
mod stroke;
pub(crate) mod svg;
pub mod text;
