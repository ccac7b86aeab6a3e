//! Load YAML into a small tree of nodes that remember their line, the way CI services read it.
//!
//! Semantics chosen to match what CircleCI and GitHub accept in practice:
//! - an anchor defined twice: aliases refer to the latest definition before them;
//! - duplicate keys: the last value wins (kept at the first key's position), as CircleCI reads
//!   them; with [`Keys::Strict`] (GitHub Actions) they are an error;
//! - `<<` merge keys, as a mapping or a list of mappings, several per mapping: explicit keys
//!   win over merged ones, and among merged sources the earlier one wins; with
//!   [`Keys::Strict`] they are an error (GitHub supports anchors, not merge keys);
//! - keys stay strings: `on:` is never turned into a boolean.
//!
//! Limits guard against hostile files: input size, nesting depth and the number of nodes after
//! alias expansion (an "alias bomb" blows up that count, not the file size).

mod libyaml;

use super::budget::Budget;

use std::collections::HashMap;

pub use libyaml::Mark;

/// Largest file we read; larger ones are reported, not parsed.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Deepest nesting we accept. Real configs stay under 20.
pub const MAX_DEPTH: usize = 128;
/// Most nodes a document may hold once aliases are expanded.
pub const MAX_NODES: usize = 500_000;

/// How a CI system reads mapping keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keys {
    /// CircleCI: a duplicate key's last value wins; `<<` merges.
    #[default]
    Lenient,
    /// GitHub Actions: a duplicate key is refused ("'x' is already defined"), and so is a `<<`
    /// merge key (GitHub reads it as an unexpected key).
    Strict,
}

/// The message for a file over [`MAX_BYTES`], wherever its size is first known.
pub fn too_large(bytes: usize) -> String {
    format!("file is {bytes} bytes; orgcheck reads at most {MAX_BYTES} bytes")
}

/// Why a file could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// What went wrong, for a person.
    pub message: String,
    /// Where, when the input says.
    pub mark: Option<Mark>,
}

impl YamlError {
    fn at(mark: Mark, message: impl Into<String>) -> Self {
        YamlError {
            message: message.into(),
            mark: Some(mark),
        }
    }
}

/// One YAML node and where it starts.
#[derive(Debug, Clone)]
pub struct Node {
    /// The content.
    pub value: Value,
    /// Where the node starts.
    pub mark: Mark,
    size: usize,
    /// Bytes of text in this subtree (scalars and keys).
    bytes: usize,
}

/// One key of a mapping.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key's text.
    pub key: String,
    /// Where the key starts (the natural line to report for a job or a step).
    pub key_mark: Mark,
    /// The value.
    pub value: Node,
}

/// Node content.
#[derive(Debug, Clone)]
pub enum Value {
    /// A scalar.
    Scalar {
        /// Its text.
        text: String,
        /// False when it was quoted or tagged (then `null` is a string).
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping in file order, keys unique.
    Map(Vec<Entry>),
}

impl Node {
    /// A plain scalar node, for values built by expansion.
    pub fn scalar(text: impl Into<String>, plain: bool, mark: Mark) -> Self {
        let text = text.into();
        let bytes = text.len();
        Node {
            value: Value::Scalar { text, plain },
            mark,
            size: 1,
            bytes,
        }
    }

    /// A sequence node.
    pub fn seq(items: Vec<Node>, mark: Mark) -> Self {
        let size = 1 + items.iter().map(|n| n.size).sum::<usize>();
        let bytes = items.iter().map(|n| n.bytes).sum();
        Node {
            value: Value::Seq(items),
            mark,
            size,
            bytes,
        }
    }

    /// A mapping node.
    pub fn map(entries: Vec<Entry>, mark: Mark) -> Self {
        let size = 1 + entries.iter().map(|e| e.value.size + 1).sum::<usize>();
        let bytes = entries.iter().map(|e| e.key.len() + e.value.bytes).sum();
        Node {
            value: Value::Map(entries),
            mark,
            size,
            bytes,
        }
    }

    /// Nodes in this subtree.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes of text in this subtree.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// `null`, `~` or an empty value.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The scalar text, unless this is null or a collection.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry under `key` (with the key's position), if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    /// The YAML type, for error messages: "null", "a boolean", "an integer", "a float",
    /// "a string", "a sequence", "a mapping". Plain scalars resolve as YAML 1.2's core schema
    /// does; quoted ones are strings.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            _ if self.is_null() => "null",
            Value::Scalar { text, plain: true } => plain_kind(text),
            Value::Scalar { .. } => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// The core-schema type of a plain scalar that is not null.
fn plain_kind(text: &str) -> &'static str {
    let t = text.trim();
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    if matches!(t, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
        "a boolean"
    } else if digits(unsigned, 10)
        || t.strip_prefix("0o").is_some_and(|o| digits(o, 8))
        || t.strip_prefix("0x").is_some_and(|x| digits(x, 16))
    {
        "an integer"
    } else if matches!(unsigned, ".inf" | ".Inf" | ".INF")
        || matches!(t, ".nan" | ".NaN" | ".NAN")
        || (unsigned.parse::<f64>().is_ok() && unsigned.chars().any(|c| c.is_ascii_digit()))
    {
        "a float"
    } else {
        "a string"
    }
}

enum Frame {
    Seq {
        anchor: Option<String>,
        mark: Mark,
        items: Vec<Node>,
    },
    Map {
        anchor: Option<String>,
        mark: Mark,
        entries: Vec<Entry>,
        /// Position of each key in `entries`: duplicate keys are found without a scan.
        index: HashMap<String, usize>,
        key: Option<(String, Mark, bool)>,
        merges: Vec<Node>,
    },
}

/// Parse one YAML document. An empty file, several documents, or a top level that is not a
/// mapping are the caller's to judge; this returns the root node, or `None` for no document.
pub fn load(text: &str) -> Result<Option<Node>, YamlError> {
    load_within(text, &Budget::default())
}

/// [`load`], charging every node and byte it makes, aliases expanded, to `budget`: the
/// repository's, shared by all its files.
pub fn load_within(text: &str, budget: &Budget) -> Result<Option<Node>, YamlError> {
    load_as(text, budget, Keys::Lenient)
}

/// [`load_within`], reading keys as `keys` says.
pub fn load_as(text: &str, budget: &Budget, keys: Keys) -> Result<Option<Node>, YamlError> {
    if text.len() > MAX_BYTES {
        return Err(YamlError {
            message: too_large(text.len()),
            mark: None,
        });
    }
    // Editors on Windows write a byte-order mark; CircleCI and GitHub read such files.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = libyaml::Parser::new(text);
    let mut loader = Loader {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        aliases: false,
        budget,
        keys,
    };
    let mut root: Option<Node> = None;
    loop {
        let (event, mark) = parser.next_event().map_err(|e| YamlError {
            message: match e.context {
                Some(ctx) => format!("invalid YAML: {}, {}", e.problem, ctx),
                None => format!("invalid YAML: {}", e.problem),
            },
            mark: Some(e.mark),
        })?;
        match event {
            libyaml::Event::StreamEnd => return Ok(root),
            libyaml::Event::DocumentStart => {
                if root.is_some() {
                    return Err(YamlError::at(
                        mark,
                        "the file holds more than one YAML document; a CI config has one",
                    ));
                }
            }
            libyaml::Event::DocumentEnd | libyaml::Event::Other => {}
            other => {
                if let Some(node) = loader.feed(other, mark)? {
                    root = Some(node);
                }
            }
        }
    }
}

struct Loader<'b> {
    stack: Vec<Frame>,
    anchors: HashMap<String, Node>,
    nodes: usize,
    /// Whether an alias was expanded: the node limit's message says "alias bomb" only then.
    aliases: bool,
    budget: &'b Budget,
    keys: Keys,
}

impl Loader<'_> {
    /// Feed one event; returns the root once the document's top node is complete.
    fn feed(&mut self, event: libyaml::Event, mark: Mark) -> Result<Option<Node>, YamlError> {
        use libyaml::Event as E;
        let done = match event {
            E::Scalar {
                anchor,
                value,
                plain,
            } => {
                self.count(1, value.len(), mark)?;
                let node = Node::scalar(value, plain, mark);
                self.remember(anchor, &node);
                node
            }
            E::Alias(name) => {
                let Some(node) = self.anchors.get(&name) else {
                    return Err(YamlError::at(mark, format!("unknown anchor `*{name}`")));
                };
                // Charged before the copy: a 1 MB scalar aliased 1,000 times is refused
                // before it costs a gigabyte.
                let (size, bytes) = (node.size, node.bytes);
                self.aliases = true;
                self.count(size, bytes, mark)?;
                let mut node = self.anchors[&name].clone();
                node.mark = mark;
                node
            }
            E::SequenceStart(anchor) => {
                self.open(
                    Frame::Seq {
                        anchor,
                        mark,
                        items: Vec::new(),
                    },
                    mark,
                )?;
                return Ok(None);
            }
            E::MappingStart(anchor) => {
                self.open(
                    Frame::Map {
                        anchor,
                        mark,
                        entries: Vec::new(),
                        index: HashMap::new(),
                        key: None,
                        merges: Vec::new(),
                    },
                    mark,
                )?;
                return Ok(None);
            }
            E::SequenceEnd | E::MappingEnd => {
                let frame = self.stack.pop().expect("libyaml balances collections");
                let (anchor, node) = close(frame)?;
                self.remember(anchor, &node);
                node
            }
            _ => return Ok(None),
        };
        self.attach(done)
    }

    fn open(&mut self, frame: Frame, mark: Mark) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError::at(
                mark,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.count(1, 0, mark)?;
        self.stack.push(frame);
        Ok(())
    }

    fn count(&mut self, n: usize, bytes: usize, mark: Mark) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            let message = if self.aliases {
                format!("more than {MAX_NODES} nodes once aliases are expanded (an alias bomb?)")
            } else {
                format!("more than {MAX_NODES} nodes (keys and values) in one file")
            };
            return Err(YamlError::at(mark, message));
        }
        self.budget
            .charge(n, bytes)
            .map_err(|_| YamlError::at(mark, self.budget.refusal()))
    }

    fn remember(&mut self, anchor: Option<String>, node: &Node) {
        if let Some(name) = anchor {
            self.anchors.insert(name, node.clone());
        }
    }

    fn attach(&mut self, node: Node) -> Result<Option<Node>, YamlError> {
        match self.stack.last_mut() {
            None => Ok(Some(node)),
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(None)
            }
            Some(Frame::Map {
                entries,
                index,
                key,
                merges,
                ..
            }) => {
                match key.take() {
                    None => match &node.value {
                        Value::Scalar { text, plain } => {
                            *key = Some((text.clone(), node.mark, *plain));
                        }
                        _ => {
                            return Err(YamlError::at(
                                node.mark,
                                format!("a mapping key must be a string, found {}", node.kind()),
                            ));
                        }
                    },
                    Some((k, key_mark, plain)) => {
                        let strict = self.keys == Keys::Strict;
                        if k == "<<" && plain && strict {
                            return Err(YamlError::at(
                                key_mark,
                                "`<<` merge keys are not supported by GitHub Actions (anchors \
                                 and aliases are); GitHub refuses it as an unexpected value '<<'",
                            ));
                        } else if k == "<<" && plain {
                            merges.push(node);
                        } else if let Some(&at) = index.get(&k)
                            && strict
                        {
                            let first = entries[at].key_mark.line;
                            return Err(YamlError::at(
                                key_mark,
                                format!(
                                    "'{k}' is already defined (line {first}); GitHub refuses \
                                     duplicate keys"
                                ),
                            ));
                        } else if let Some(&at) = index.get(&k) {
                            // Duplicate key: the last one wins, as CircleCI reads it.
                            entries[at].value = node;
                        } else {
                            index.insert(k.clone(), entries.len());
                            entries.push(Entry {
                                key: k,
                                key_mark,
                                value: node,
                            });
                        }
                    }
                }
                Ok(None)
            }
        }
    }
}

fn close(frame: Frame) -> Result<(Option<String>, Node), YamlError> {
    match frame {
        Frame::Seq {
            anchor,
            mark,
            items,
        } => Ok((anchor, Node::seq(items, mark))),
        Frame::Map {
            anchor,
            mark,
            mut entries,
            mut index,
            key,
            merges,
        } => {
            if let Some((k, key_mark, _)) = key {
                // Cannot happen with libyaml, which always pairs keys; keep the key as null.
                entries.push(Entry {
                    key: k,
                    key_mark,
                    value: Node::scalar("", true, key_mark),
                });
            }
            for source in merges {
                let maps: Vec<Node> = match source.value {
                    Value::Map(_) => vec![source],
                    Value::Seq(items) => items,
                    _ => {
                        return Err(YamlError::at(
                            source.mark,
                            format!("`<<` merges a mapping, found {}", source.kind()),
                        ));
                    }
                };
                for map in maps {
                    let Value::Map(merged) = map.value else {
                        return Err(YamlError::at(
                            map.mark,
                            format!("`<<` merges mappings, found {}", map.kind()),
                        ));
                    };
                    for entry in merged {
                        if !index.contains_key(&entry.key) {
                            index.insert(entry.key.clone(), entries.len());
                            entries.push(entry);
                        }
                    }
                }
            }
            Ok((anchor, Node::map(entries, mark)))
        }
    }
}

#[cfg(test)]
mod tests;
