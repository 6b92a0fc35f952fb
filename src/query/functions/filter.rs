//! graphite-web's "Filter Series and Filter Data" functions.

use crate::query::registry::FunctionSpec;

pub(crate) const SPECS: &[FunctionSpec] = &[];
