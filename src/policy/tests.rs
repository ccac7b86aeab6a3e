use super::*;
use crate::ci::StepKind;

fn example() -> Policy {
    let text = include_str!("../../policy.example.toml");
    parse("policy.example.toml", text).expect("example policy is valid")
}

fn errors(text: &str) -> Vec<String> {
    match parse("p.toml", text) {
        Err(PolicyError::Invalid { diagnostics, .. }) => {
            diagnostics.iter().map(|d| d.to_string()).collect()
        }
        other => panic!("expected an invalid policy, got {other:?}"),
    }
}

#[test]
fn example_policy_is_valid_and_complete() {
    let p = example();
    assert_eq!(p.rules.len(), 8);
    assert_eq!(p.exemptions.len(), 2);
    assert_eq!(p.rules[3].require(), Require::AnyJob);
    assert!(p.rules[4].forbidden().is_some());
    assert!(p.rules[5].pinned().is_some());
    assert!(matches!(p.rules[6].checks[..], [Check::Image(_)]));
    assert!(p.rules[6].selector.is_none());
    assert!(p.rules[7].enforce_from.is_some());
    assert_eq!(p.rules[0].ci, [crate::ci::CiSystem::Circleci]);
    assert!(p.scope.skip_archived && p.scope.skip_forks);
}

#[test]
fn every_error_is_reported_at_once_with_positions() {
    let text = r#"colour = "red"
[scope]
include = ["[bad"]
skip-forks = "yes"

[[rule]]
id = "a"
description = "first"
run = "x("
match = "regex"

[[rule]]
id = "a"
description = "dup"
uses = "checkout"

[[rule]]
id = "none"
description = "no selector"

[[rule]]
id = "both"
description = "two selectors"
run = "make"
uses = "checkout"
jobz = ["x"]

[[exemption]]
repositories = "r"
rules = ["missing"]
reason = "because"
expires = "2024-02-30"
"#;
    let errs = errors(text);
    let expected = [
        "1:1: unknown key `colour` in the policy; expected one of: scope, settings, rule, exemption",
        "3:12: invalid glob `[bad`: unclosed character class; missing ']'",
        "4:14: expected true or false, found string",
        "9:7: invalid regex: error: unclosed group",
        "13:6: duplicate rule id `a`; first defined on line 6",
        "17:1: a rule needs a selector: `run = \"command\"` or `uses = \"name\"`",
        "25:8: a rule has exactly one selector: `run` or `uses`, not both",
        &format!(
            "26:1: unknown key `jobz` in [[rule]] (did you mean `jobs`?); expected one of: {}",
            super::schema::keys(&super::schema::rule_fields()).join(", ")
        ),
        "30:10: exemption names rule `missing`, which the policy does not define",
        "32:11: `expires` must be a date like 2026-12-31",
    ];
    assert_eq!(errs, expected);
}

#[test]
fn toml_syntax_errors_have_positions() {
    let errs = errors("[[rule]]\nid = \n");
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("2:6: invalid TOML"), "{errs:?}");
}

#[test]
fn ids_must_be_kebab_case_and_values_known() {
    let errs = errors(
        "[[rule]]\nid = \"Not_Kebab\"\ndescription = \"d\"\nuses = \"x\"\nci = [\"travis\"]\nrequire = \"some\"\n",
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs[0].contains("kebab-case"));
    assert!(errs[1].contains("unknown CI system `travis`"));
    assert!(errs[2].contains("expected one of `every-job`, `any-job`"));
}

fn step(kind: StepKind) -> crate::ci::Step {
    crate::ci::Step::new(kind, 1)
}

#[test]
fn uses_selector_matches_names_and_version_globs() {
    let p = example();
    let gh = &p.rules[1];
    assert!(gh.matches(&step(StepKind::Uses("actions/checkout@v4".into()))));
    assert!(gh.matches(&step(StepKind::Uses("actions/checkout@v4.1.1".into()))));
    assert!(!gh.matches(&step(StepKind::Uses("actions/checkout@v3".into()))));
    assert!(!gh.matches(&step(StepKind::Uses("actions/checkout".into()))));
    assert!(!gh.matches(&step(StepKind::Run("actions/checkout@v4".into()))));
    // A SHA pin matches through the version its comment names, and only through that.
    let sha = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683";
    let pinned = |version: Option<&str>| crate::ci::Step {
        version: version.map(str::to_string),
        ..step(StepKind::Uses(sha.into()))
    };
    assert!(gh.matches(&pinned(Some("v4.2.2"))));
    assert!(!gh.matches(&pinned(Some("v3.6.0"))));
    assert!(!gh.matches(&pinned(None)));
    let checkout = &p.rules[0];
    assert!(checkout.matches(&step(StepKind::Uses("checkout".into()))));
    assert!(!checkout.matches(&step(StepKind::Uses("checkout-x".into()))));
}

#[test]
fn run_selectors_match_exact_contains_regex() {
    let rule = |sel: &str| {
        parse(
            "p",
            &format!("[[rule]]\nid = \"r\"\ndescription = \"d\"\n{sel}\n"),
        )
        .unwrap()
        .rules
        .remove(0)
    };
    let exact = rule("run = \"make test\"");
    assert!(exact.matches(&step(StepKind::Run("  make test\n".into()))));
    assert!(!exact.matches(&step(StepKind::Run("make test-all".into()))));
    let contains = rule("run = \"npm test\"\nmatch = \"contains\"");
    assert!(contains.matches(&step(StepKind::Run("npm ci\nnpm test -- --ci".into()))));
    let regex = rule("run = '^cargo (test|nextest)'\nmatch = \"regex\"");
    assert!(regex.matches(&step(StepKind::Run("cargo nextest run".into()))));
    assert!(!regex.matches(&step(StepKind::Run("echo cargo test".into()))));
}

#[test]
fn scope_filters_by_name_archived_fork_topics() {
    let p = parse(
        "p",
        "[scope]\ninclude = [\"svc-*\"]\nexclude = [\"svc-tmp*\"]\nrequire-topics = [\"prod\"]\n",
    )
    .unwrap();
    let topics = vec!["prod".to_string()];
    let facts = |name, archived, fork, topics| RepoFacts {
        name,
        archived,
        fork,
        topics,
    };
    assert_eq!(
        p.scope.skip_reason(&facts("svc-a", false, false, &topics)),
        None
    );
    assert!(
        p.scope
            .skip_reason(&facts("web", false, false, &topics))
            .is_some()
    );
    assert!(
        p.scope
            .skip_reason(&facts("svc-tmp1", false, false, &topics))
            .is_some()
    );
    assert_eq!(
        p.scope
            .skip_reason(&facts("svc-a", true, false, &topics))
            .as_deref(),
        Some("archived")
    );
    assert_eq!(
        p.scope
            .skip_reason(&facts("svc-a", false, true, &topics))
            .as_deref(),
        Some("fork")
    );
    assert!(
        p.scope
            .skip_reason(&facts("svc-a", false, false, &[]))
            .unwrap()
            .contains("prod")
    );
}

#[test]
fn exemptions_expire_after_their_date() {
    let p = example();
    let today = Date::parse("2026-11-27").unwrap();
    assert!(!p.exemptions[0].is_expired(today));
    assert!(p.exemptions[1].is_expired(today));
    assert!(p.exemptions[1].covers_repo("old-api"));
    assert!(p.exemptions[0].covers_rule("unit-tests") && !p.exemptions[0].covers_rule("checkout"));
}
