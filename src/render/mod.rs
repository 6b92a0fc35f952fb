//! Writers that turn series into response bytes. Pure functions: no store, no AST, no I/O.

pub mod canvas;
mod font;
pub mod graph;
pub mod json;
mod raster;
mod stroke;
pub(crate) mod svg;
pub mod text;
