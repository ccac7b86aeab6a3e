//! Hostile inputs shared by tests and benchmarks.

/// The 2 KB config that once took gigabytes: each command passes its parameter on twice.
pub fn doubling_bomb(levels: usize) -> String {
    let mut s = String::from("version: 2.1\ncommands:\n");
    for i in 0..levels {
        s.push_str(&format!(
            "  c{i}:\n    parameters:\n      p: {{type: string, default: x}}\n    steps:\n"
        ));
        if i + 1 < levels {
            s.push_str(&format!(
                "      - c{}:\n          p: {{a: << parameters.p >>, b: << parameters.p >>}}\n",
                i + 1
            ));
        } else {
            s.push_str("      - run: echo << parameters.p >>\n");
        }
    }
    s.push_str("jobs:\n  build:\n    steps:\n      - c0:\n          p: y\n");
    s
}
