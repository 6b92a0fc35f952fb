//! graphite-web's "Combine" functions.

use crate::query::registry::FunctionSpec;

pub(crate) const SPECS: &[FunctionSpec] = &[];
