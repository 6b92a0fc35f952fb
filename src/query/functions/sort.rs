//! graphite-web's "Sorting" functions.

use crate::query::registry::FunctionSpec;

pub(crate) const SPECS: &[FunctionSpec] = &[];
