//! CI configs to one common model: pipeline → jobs → steps, each with its file and line.
pub mod yaml;
