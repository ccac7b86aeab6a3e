//! Safe event stream over libyaml (the `unsafe-libyaml` translation that serde_yaml uses).
//!
//! We read events ourselves, not through serde_yaml, because we need the line of every node,
//! duplicate keys where the last one wins, and our own limits on aliases and depth.
// The crate denies unsafe code; this file is the one exception: libyaml's C API.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char};
use std::mem::MaybeUninit;

#[allow(clippy::unsafe_removed_from_name)]
use unsafe_libyaml as sys; // the raw libyaml API, used only in this file

/// A position in the input, 1-based as editors show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Mark {
    fn from_sys(mark: sys::yaml_mark_t) -> Self {
        Mark {
            line: mark.line as usize + 1,
            column: mark.column as usize + 1,
        }
    }
}

/// One parse event, with owned data.
#[derive(Debug)]
pub enum Event {
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias(String),
    Scalar {
        anchor: Option<String>,
        value: String,
        plain: bool,
    },
    SequenceStart(Option<String>),
    SequenceEnd,
    MappingStart(Option<String>),
    MappingEnd,
    /// Stream start and anything else we have no use for.
    Other,
}

/// A syntax error as libyaml reports it.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub problem: String,
    pub mark: Mark,
    pub context: Option<String>,
}

/// Mirrors the documented leading fields of `yaml_parser_t` (`yaml_parser_t_prefix`), which the
/// crate keeps crate-private.
#[repr(C)]
struct ParserPrefix {
    error: sys::yaml_error_type_t,
    problem: *const c_char,
    problem_offset: u64,
    problem_value: i32,
    problem_mark: sys::yaml_mark_t,
    context: *const c_char,
    context_mark: sys::yaml_mark_t,
}

/// Pull parser over one input string.
pub struct Parser<'input> {
    // A raw pointer from `Box::into_raw`, not a `Box`: libyaml keeps a pointer to the parser
    // inside the parser (its read handler's data), and moving a `Box` retags it as unique,
    // which invalidates that inner pointer (Miri's Stacked Borrows reports it); so does any
    // `&mut` to it, hence `cast` rather than `MaybeUninit::as_mut_ptr`. The state
    // never moves; it is freed in `Drop`.
    sys: *mut MaybeUninit<sys::yaml_parser_t>,
    _input: &'input [u8],
    failed: bool,
}

impl<'input> Parser<'input> {
    pub fn new(input: &'input str) -> Self {
        let sys = Box::into_raw(Box::new(MaybeUninit::<sys::yaml_parser_t>::uninit()));
        let bytes = input.as_bytes();
        // SAFETY: `sys` is a fresh, boxed (never moving) allocation that initialize fills; we
        // stop if it fails. libyaml keeps a pointer to the input and reads it on every parse
        // call; `_input` and the `'input` lifetime keep those bytes alive and unchanged for as
        // long as the parser exists.
        unsafe {
            let parser = sys.cast::<sys::yaml_parser_t>();
            if sys::yaml_parser_initialize(parser).fail {
                panic!("libyaml could not allocate a parser");
            }
            sys::yaml_parser_set_encoding(parser, sys::YAML_UTF8_ENCODING);
            sys::yaml_parser_set_input_string(parser, bytes.as_ptr(), bytes.len() as u64);
        }
        Parser {
            sys,
            _input: bytes,
            failed: false,
        }
    }

    /// The next event and where it starts.
    pub fn next_event(&mut self) -> Result<(Event, Mark), SyntaxError> {
        if self.failed {
            return Err(SyntaxError {
                problem: "parser already failed".into(),
                mark: Mark::default(),
                context: None,
            });
        }
        let mut event = MaybeUninit::<sys::yaml_event_t>::uninit();
        // SAFETY: the parser was initialised in `new` and has not failed (a failed libyaml
        // parser must not be called again: `failed` guards that). On success the event is
        // initialised; `convert` copies out what we need, then the event is deleted once.
        unsafe {
            let parser = self.sys.cast::<sys::yaml_parser_t>();
            if sys::yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                self.failed = true;
                return Err(error_of(parser));
            }
            let ev = event.as_mut_ptr();
            let converted = convert(&*ev);
            let mark = Mark::from_sys((*ev).start_mark);
            sys::yaml_event_delete(ev);
            Ok((converted, mark))
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, deleted exactly once here; then the allocation made by
        // `Box::into_raw` in `new` is given back to a `Box` and freed, once.
        unsafe {
            sys::yaml_parser_delete(self.sys.cast::<sys::yaml_parser_t>());
            drop(Box::from_raw(self.sys));
        }
    }
}

/// A copy of a C string libyaml owns.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string that stays alive for this call.
unsafe fn c_string(ptr: *const u8) -> Option<String> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: not null, and NUL-terminated and alive by this function's contract: every
        // caller passes a string libyaml owns (an event's anchor or the parser's message)
        // before the event or parser is deleted.
        Some(
            unsafe { CStr::from_ptr(ptr as *const c_char) }
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// The error a failed parse left in the parser.
///
/// # Safety
/// `parser` points to an initialised parser whose last call failed.
unsafe fn error_of(parser: *mut sys::yaml_parser_t) -> SyntaxError {
    // SAFETY: `yaml_parser_t` is `repr(C)` and starts with exactly the fields `ParserPrefix`
    // declares, in order and with the same types (`size_t` is `u64` in unsafe-libyaml on every
    // target); serde_yaml reads the same prefix. The parser is alive and not borrowed elsewhere.
    let prefix = unsafe { &*(parser as *const ParserPrefix) };
    // SAFETY: after a failure libyaml sets `problem` to null or a static C string literal.
    let problem = unsafe { c_string(prefix.problem as *const u8) }
        .unwrap_or_else(|| "invalid YAML".to_string());
    // SAFETY: as for `problem`: null or a static C string literal.
    let context = unsafe { c_string(prefix.context as *const u8) };
    SyntaxError {
        problem,
        mark: Mark::from_sys(prefix.problem_mark),
        context,
    }
}

/// An owned copy of one event.
///
/// # Safety
/// `ev` is an event `yaml_parser_parse` filled in and that has not been deleted yet.
unsafe fn convert(ev: &sys::yaml_event_t) -> Event {
    // SAFETY: each arm reads only the union member that libyaml fills for that event type;
    // anchors are null or NUL-terminated; a scalar's `value` points to `length` bytes owned by
    // the event, which is alive for this call.
    unsafe {
        match ev.type_ {
            sys::YAML_STREAM_END_EVENT => Event::StreamEnd,
            sys::YAML_DOCUMENT_START_EVENT => Event::DocumentStart,
            sys::YAML_DOCUMENT_END_EVENT => Event::DocumentEnd,
            sys::YAML_ALIAS_EVENT => {
                Event::Alias(c_string(ev.data.alias.anchor).unwrap_or_default())
            }
            sys::YAML_SCALAR_EVENT => {
                let s = ev.data.scalar;
                let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                Event::Scalar {
                    anchor: c_string(s.anchor),
                    value: String::from_utf8_lossy(bytes).into_owned(),
                    plain: s.style == sys::YAML_PLAIN_SCALAR_STYLE && s.tag.is_null(),
                }
            }
            sys::YAML_SEQUENCE_START_EVENT => {
                Event::SequenceStart(c_string(ev.data.sequence_start.anchor))
            }
            sys::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
            sys::YAML_MAPPING_START_EVENT => {
                Event::MappingStart(c_string(ev.data.mapping_start.anchor))
            }
            sys::YAML_MAPPING_END_EVENT => Event::MappingEnd,
            _ => Event::Other,
        }
    }
}
