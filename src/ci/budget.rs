//! What one repository's CI may expand to, counted in nodes and bytes across everything it
//! produces: every file's YAML (a scalar of S bytes reached through k aliases counts S × k),
//! parameter substitution, command and composite-action expansion, job instances and
//! reusable-workflow copies. The unit is the repository because that is what an attacker
//! controls: a limit per file is beaten by 200 files.

use std::cell::Cell;

/// The limits of a [`Budget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Nodes: YAML nodes, steps, jobs.
    pub nodes: usize,
    /// Bytes of text: scalars as loaded and as copied, step commands.
    pub bytes: usize,
}

impl Limits {
    /// Far above any real repository (the largest config of the shared corpus expands to
    /// 1,234 steps and 250 KB), far below what hurts: spent, it has cost well under 100 MB.
    pub const DEFAULT: Limits = Limits {
        nodes: 500_000,
        bytes: 16 * 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A repository's budget, spent as its CI is read.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    nodes: Cell<usize>,
    bytes: Cell<usize>,
}

/// The budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

impl Default for Budget {
    fn default() -> Self {
        Budget::new(Limits::DEFAULT)
    }
}

impl Budget {
    /// A full budget.
    pub fn new(limits: Limits) -> Self {
        Budget {
            limits,
            nodes: Cell::new(limits.nodes),
            bytes: Cell::new(limits.bytes),
        }
    }

    /// Spend `n` nodes.
    pub fn nodes(&self, n: usize) -> Result<(), Exhausted> {
        self.charge(n, 0)
    }

    /// Spend `n` bytes.
    pub fn bytes(&self, n: usize) -> Result<(), Exhausted> {
        self.charge(0, n)
    }

    /// Spend nodes and bytes together. Once refused, every later charge is refused too.
    pub fn charge(&self, nodes: usize, bytes: usize) -> Result<(), Exhausted> {
        let n = self.nodes.get().checked_sub(nodes);
        let b = self.bytes.get().checked_sub(bytes);
        match (n, b) {
            (Some(n), Some(b)) => {
                self.nodes.set(n);
                self.bytes.set(b);
                Ok(())
            }
            _ => {
                self.nodes.set(0);
                self.bytes.set(0);
                Err(Exhausted)
            }
        }
    }

    /// Whether it ran out.
    pub fn is_spent(&self) -> bool {
        self.nodes.get() == 0 && self.bytes.get() == 0
    }

    /// Why a repository was refused, in words that say what to do.
    pub fn refusal(&self) -> String {
        format!(
            "the repository's CI expands to more than {} nodes or {} MiB of text (aliases, \
             parameters, commands, composite actions and job copies counted together); \
             orgcheck stops here. A real repository this large can raise \
             `[settings] max-repository-nodes` / `max-repository-mib`",
            self.limits.nodes,
            self.limits.bytes >> 20
        )
    }
}

/// `re`'s matches in `text` replaced by what `value` gives for each (`None` keeps the match),
/// the result's bytes charged to `budget` *before* it is built: a 4 MB text of placeholders
/// that each stand for 1 MB would otherwise be built (terabytes) before being refused.
pub fn replace_charged<'t, 'v>(
    text: &'t str,
    re: &regex::Regex,
    value: impl Fn(&regex::Captures<'t>) -> Option<&'v str>,
    budget: &Budget,
) -> Result<String, Exhausted> {
    let mut len = text.len();
    for caps in re.captures_iter(text) {
        if let Some(v) = value(&caps) {
            len = len - caps[0].len() + v.len();
            // Charged as it grows, so counting cannot run long past the budget either.
            if len > budget.bytes.get() {
                return budget.bytes(len).and(Err(Exhausted));
            }
        }
    }
    budget.bytes(len)?;
    let mut out = String::with_capacity(len);
    let mut last = 0;
    for caps in re.captures_iter(text) {
        let whole = caps.get(0).expect("a match has a whole");
        out.push_str(&text[last..whole.start()]);
        out.push_str(value(&caps).unwrap_or(whole.as_str()));
        last = whole.end();
    }
    out.push_str(&text[last..]);
    Ok(out)
}
