//! Functions that write values into series names: legendValue, cactiStyle, aliasQuery.

use crate::query::registry::FunctionSpec;

pub(crate) const SPECS: &[FunctionSpec] = &[];
