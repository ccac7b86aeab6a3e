//! Every GraphQL document orgcheck sends validates against GitHub's published schema
//! (../shared/github/schema.graphql). Skips, and says so, when the schema is absent.

mod support;
use std::path::PathBuf;

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use orgcheck::source::github::query;

fn schema() -> Option<Valid<Schema>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/github/schema.graphql");
    let Ok(text) = std::fs::read_to_string(&path) else {
        support::skipped(
            "../shared/github/schema.graphql is absent; GraphQL documents were not validated",
        );
        return None;
    };
    // The published schema defines two fields of one unrelated type twice: load it leniently,
    // keeping everything that parsed.
    let schema = match Schema::parse(text, "schema.graphql") {
        Ok(s) => s,
        Err(with_errors) => with_errors.partial,
    };
    assert!(
        schema.types.contains_key("Repository") && schema.types.contains_key("Blob"),
        "schema loaded"
    );
    Some(Valid::assume_valid(schema))
}

#[test]
fn every_query_validates_against_githubs_schema() {
    let Some(schema) = schema() else { return };
    let documents = query::documents();
    assert!(documents.len() >= 2);
    for (name, document) in &documents {
        if let Err(e) = ExecutableDocument::parse_and_validate(&schema, document, *name) {
            panic!(
                "{name} does not validate against GitHub's schema:\n{}",
                e.errors
            );
        }
    }
}

#[test]
fn the_validation_catches_a_wrong_field() {
    let Some(schema) = schema() else { return };
    let broken = query::ORG_REPOS.replace("isArchived", "archived");
    let err =
        ExecutableDocument::parse_and_validate(&schema, broken, "broken.graphql").unwrap_err();
    assert!(
        err.errors.to_string().contains("archived"),
        "{}",
        err.errors
    );
}
