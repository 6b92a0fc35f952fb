//! graphite-web's "Transform" functions.

use crate::query::registry::FunctionSpec;

pub(crate) const SPECS: &[FunctionSpec] = &[];
