//! orgcheck: does every CI job in every repository run the steps the organization requires?
//!
//! Data flows one way: [`source`] (where repositories come from) → [`ci`] (one common model of
//! pipelines, jobs and steps) → [`eval`] (policy against pipelines) → [`report`] (Markdown, JSON,
//! text) → publishing.

pub mod atomic;
pub mod choice;
pub mod ci;
pub mod cli;
pub mod eval;
pub mod kind;
pub mod policy;
pub mod publish;
pub mod report;
pub mod run;
pub mod source;
