//! Publishing a report where people read it: the compliance issue, the Actions job summary and
//! step outputs.

pub mod actions;
pub mod footer;
pub mod issue;
pub mod plan;
mod rice;
pub mod state;
