use super::*;

fn root(text: &str) -> Node {
    load(text).expect("loads").expect("has a document")
}

fn keys(node: &Node) -> Vec<&str> {
    node.as_map()
        .unwrap()
        .iter()
        .map(|e| e.key.as_str())
        .collect()
}

#[test]
fn redefined_anchor_later_definition_wins() {
    let doc = root("a: &x 1\nb: *x\nc: &x 2\nd: *x\n");
    assert_eq!(doc.get("b").unwrap().as_str(), Some("1"));
    assert_eq!(doc.get("d").unwrap().as_str(), Some("2"));
}

#[test]
fn several_merge_keys_all_apply_and_explicit_wins() {
    let doc = root(
        "base1: &a {x: 1, y: 1}\nbase2: &b {y: 2, z: 2}\nm:\n  <<: *a\n  <<: *b\n  x: 9\nl:\n  <<: [*b, *a]\n",
    );
    let m = doc.get("m").unwrap();
    assert_eq!(m.get("x").unwrap().as_str(), Some("9"));
    assert_eq!(m.get("y").unwrap().as_str(), Some("1"));
    assert_eq!(m.get("z").unwrap().as_str(), Some("2"));
    let l = doc.get("l").unwrap();
    assert_eq!(l.get("y").unwrap().as_str(), Some("2"));
    assert_eq!(l.get("x").unwrap().as_str(), Some("1"));
}

#[test]
fn duplicate_keys_last_wins_at_first_position() {
    let doc = root("a: 1\nb: 2\na: 3\n");
    assert_eq!(keys(&doc), ["a", "b"]);
    assert_eq!(doc.get("a").unwrap().as_str(), Some("3"));
}

#[test]
fn tab_inside_plain_scalar_is_content() {
    let doc = root("run: echo \"<< pipeline.git.revision\t>>\" > x\n");
    assert_eq!(
        doc.get("run").unwrap().as_str(),
        Some("echo \"<< pipeline.git.revision\t>>\" > x")
    );
}

#[test]
fn on_key_stays_a_string() {
    let doc = root("on: push\nyes: no\n");
    assert_eq!(keys(&doc), ["on", "yes"]);
}

#[test]
fn lines_are_one_based() {
    let doc = root("a:\n  - x\n  - y\n");
    let items = doc.get("a").unwrap().as_seq().unwrap();
    assert_eq!(items[1].mark.line, 3);
    assert_eq!(items[1].mark.column, 5);
    assert_eq!(doc.as_map().unwrap()[0].key_mark.line, 1);
}

#[test]
fn empty_and_comment_only_files_have_no_document() {
    assert!(load("").unwrap().is_none());
    assert!(load("# nothing\n").unwrap().is_none());
}

#[test]
fn invalid_yaml_reports_line() {
    let err = load("a: [1, 2\nb: 3\n").unwrap_err();
    assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
    assert!(err.mark.is_some());
}

#[test]
fn alias_bomb_is_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let err = load(&text).unwrap_err();
    assert!(err.message.contains("alias bomb"), "{}", err.message);
}

#[test]
fn deep_nesting_is_refused() {
    let text = format!("{}{}", "[".repeat(500), "]".repeat(500));
    let err = load(&text).unwrap_err();
    assert!(err.message.contains("nesting"), "{}", err.message);
}

#[test]
fn huge_input_is_refused() {
    let text = "a: b\n".repeat(MAX_BYTES / 4);
    let err = load(&text).unwrap_err();
    assert!(err.message.contains("at most"), "{}", err.message);
}

#[test]
fn several_documents_are_refused() {
    let err = load("a: 1\n---\nb: 2\n").unwrap_err();
    assert!(err.message.contains("more than one"), "{}", err.message);
}

#[test]
fn complex_keys_are_refused() {
    let err = load("{{a}}: 1\n").unwrap_err();
    assert!(err.message.contains("mapping key"), "{}", err.message);
}

#[test]
fn unknown_alias_is_refused() {
    let err = load("a: *nope\n").unwrap_err();
    assert!(err.message.contains("unknown anchor"), "{}", err.message);
}

#[test]
fn quoted_null_is_a_string() {
    let doc = root("a: 'null'\nb: null\nc:\n");
    assert_eq!(doc.get("a").unwrap().as_str(), Some("null"));
    assert!(doc.get("b").unwrap().is_null());
    assert!(doc.get("c").unwrap().is_null());
}
