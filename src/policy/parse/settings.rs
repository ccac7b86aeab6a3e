//! `[settings]`: how to treat what orgcheck cannot see, pinning for every action, and what one
//! repository's CI may expand to.

use std::ops::Range;

use toml_edit::{Item, TableLike};

use super::super::{OwnersFrom, Pattern, Pinning, Policy, schema};
use super::{Walker, span_of};

impl Walker<'_> {
    /// `[settings]`, into `policy`; the pinning it asks of every action, if any.
    pub(super) fn settings(
        &mut self,
        t: &dyn TableLike,
        span: Range<usize>,
        policy: &mut Policy,
    ) -> Option<(Pinning, Vec<Pattern>)> {
        let mut settings_pin = None;
        self.known_keys(
            t,
            "[settings]",
            &schema::keys(schema::SETTINGS),
            span.clone(),
        );
        if let Some(v) = t.get("unverifiable-jobs") {
            policy.unverifiable_jobs = self.choice(v).unwrap_or_default();
        }
        if let Some(v) = t.get("unused-jobs") {
            policy.unused_jobs = self.choice(v).unwrap_or_default();
        }
        if let Some(n) = t.get("max-repository-nodes").and_then(|v| self.count(v)) {
            policy.limits.nodes = n;
        }
        if let Some(n) = t.get("max-repository-mib").and_then(|v| self.count(v)) {
            policy.limits.bytes = n.saturating_mul(1 << 20);
        }
        if let Some(v) = t.get("owners") {
            policy.owners = self.owners_from(v).unwrap_or_default();
        }
        if let Some(v) = t.get("resolve-owners") {
            policy.resolve_owners = self.owners(v);
        }
        if let Some(pinning) = t.get("pinned").and_then(|v| self.choice::<Pinning>(v)) {
            let allow = t.get("allow-unpinned").map(|v| self.patterns(v));
            settings_pin = Some((pinning, allow.unwrap_or_default()));
        } else if let Some(v) = t.get("allow-unpinned") {
            self.error(
                span_of(v),
                "`allow-unpinned` needs `pinned = \"sha\"` beside it",
            );
        }
        settings_pin
    }

    /// GitHub account names: letters, digits and single hyphens, at most 39 characters, as
    /// GitHub allows them (so a typo is refused here, not silently never matched).
    fn owners(&mut self, item: &Item) -> Vec<String> {
        let mut out = Vec::new();
        for (owner, span) in self.strings(item) {
            if crate::ci::remote::is_login(&owner) {
                out.push(owner);
            } else {
                self.error(
                    span,
                    format!(
                        "`{owner}` is not a GitHub account name (letters, digits and single \
                         hyphens, at most 39 characters)"
                    ),
                );
            }
        }
        out
    }

    /// `codeowners` or `property:NAME`.
    fn owners_from(&mut self, item: &Item) -> Option<OwnersFrom> {
        let text = item.as_str();
        let from = match text.map(|t| (t, t.strip_prefix("property:"))) {
            Some(("codeowners", _)) => Some(OwnersFrom::Codeowners),
            Some((_, Some(name))) if !name.trim().is_empty() => {
                Some(OwnersFrom::Property(name.trim().to_string()))
            }
            _ => None,
        };
        if from.is_none() {
            self.error(
                span_of(item),
                "expected \"codeowners\" or \"property:NAME\" (a custom repository property)",
            );
        }
        from
    }

    /// A whole number of at least 1.
    fn count(&mut self, item: &Item) -> Option<usize> {
        let n = item
            .as_integer()
            .filter(|n| *n >= 1)
            .and_then(|n| usize::try_from(n).ok());
        if n.is_none() {
            self.error(
                span_of(item),
                format!(
                    "expected a whole number of at least 1, found {}",
                    item.type_name()
                ),
            );
        }
        n
    }
}
