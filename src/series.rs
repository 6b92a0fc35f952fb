//! The series value type shared by store, query and render. Depends on nothing else in pencil.

/// A run of equally spaced values: `values[i]` is the value at `start + i * step`; NaN means no data.
/// The series covers `[start, end())`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub start: i64,
    pub step: i64,
    pub values: Vec<f64>,
}

impl Series {
    /// Exclusive end: one step past the last value.
    pub fn end(&self) -> i64 {
        self.start + self.step * self.values.len() as i64
    }
}
