//! What publishing will do, decided before anything is sent: a list of typed actions from the
//! issues found, who this run is, and the new report. Applying them (or printing them under
//! `--dry-run`) is the caller's job, so every decision is testable without a server.

use std::fmt;

/// An issue that carries this report's marker at the end of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its number.
    pub number: u64,
    /// Its web address.
    pub url: String,
    /// Whether it is open.
    pub open: bool,
    /// Who opened it (`login`, `slug[bot]`).
    pub author: String,
    /// The state line its body ends with.
    pub state: String,
}

/// Which issues found are ours: opened by this run's identity. Logins are case-insensitive
/// on GitHub. Ours come oldest first.
pub fn split(found: Vec<Found>, me: &str) -> (Vec<Found>, Vec<Found>) {
    let (mut ours, others): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|i| i.author.eq_ignore_ascii_case(me));
    ours.sort_by_key(|i| i.number);
    (ours, others)
}

/// How an open or closed issue changes state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    /// Everything is compliant.
    Close,
    /// Something fails again.
    Reopen,
}

/// One thing publishing does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing fails and there is no issue: nothing to open.
    NothingToOpen,
    /// Open the issue with the new body and the label.
    Create,
    /// Change our issue: its body (when the report changed) and/or its state.
    Update {
        /// The issue.
        number: u64,
        /// Its web address.
        url: String,
        /// Write the new body.
        body: bool,
        /// Close or reopen it.
        state: Option<StateChange>,
    },
    /// Our issue already says this: no write, so watchers get no notification.
    UpToDate {
        /// Its web address.
        url: String,
    },
    /// A second issue of ours (two concurrent runs): close it, pointing at the kept one.
    CloseDuplicate {
        /// The duplicate.
        number: u64,
        /// The issue kept.
        keep: u64,
    },
    /// An issue with our marker and label that someone else opened: never touched, named in
    /// a warning.
    LookAlike {
        /// The issue.
        number: u64,
        /// Its web address.
        url: String,
        /// Who opened it.
        author: String,
    },
}

/// What is decided from.
#[derive(Debug, Clone)]
pub struct Situation<'a> {
    /// Issues of ours, oldest first.
    pub ours: &'a [Found],
    /// Look-alikes by someone else.
    pub others: &'a [Found],
    /// The fingerprint of the previous report, read from the kept issue's state.
    pub previous: Option<u64>,
    /// The fingerprint of this report.
    pub content: u64,
    /// Everything is compliant.
    pub passing: bool,
    /// Close the issue when everything is compliant.
    pub close_when_passing: bool,
    /// Reopen a closed issue when something fails again.
    pub reopen: bool,
}

/// The actions, warnings first.
pub fn decide(s: &Situation<'_>) -> Vec<Action> {
    let mut actions: Vec<Action> = s
        .others
        .iter()
        .map(|i| Action::LookAlike {
            number: i.number,
            url: i.url.clone(),
            author: i.author.clone(),
        })
        .collect();
    let Some(kept) = s.ours.first() else {
        actions.push(if s.passing {
            Action::NothingToOpen
        } else {
            Action::Create
        });
        return actions;
    };
    let body = s.previous != Some(s.content);
    let state = if s.passing && kept.open && s.close_when_passing {
        Some(StateChange::Close)
    } else if !s.passing && !kept.open && s.reopen {
        Some(StateChange::Reopen)
    } else {
        None
    };
    actions.push(if body || state.is_some() {
        Action::Update {
            number: kept.number,
            url: kept.url.clone(),
            body,
            state,
        }
    } else {
        Action::UpToDate {
            url: kept.url.clone(),
        }
    });
    actions.extend(
        s.ours[1..]
            .iter()
            .filter(|i| i.open)
            .map(|i| Action::CloseDuplicate {
                number: i.number,
                keep: kept.number,
            }),
    );
    actions
}

/// An action in words, as planned (`would …`) or as done.
pub struct Described<'a> {
    /// The action.
    pub action: &'a Action,
    /// Done (`created …`), or only planned (`would create …`).
    pub done: bool,
    /// Where issues live, `OWNER/REPO`.
    pub repo: &'a str,
    /// This run's identity.
    pub me: &'a str,
}

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = |done: &'static str, planned: &'static str| {
            if self.done { done } else { planned }
        };
        match self.action {
            Action::NothingToOpen => f.write_str("everything is compliant: no issue to open"),
            Action::Create => write!(
                f,
                "{} an issue in {}",
                verb("created", "would create"),
                self.repo
            ),
            Action::Update {
                url, body, state, ..
            } => {
                let mut what = Vec::new();
                if *body {
                    what.push(verb("updated the report", "update the report"));
                }
                match state {
                    Some(StateChange::Close) => what.push(verb(
                        "closed it: everything is compliant",
                        "close it: everything is compliant",
                    )),
                    Some(StateChange::Reopen) => what.push(verb(
                        "reopened it: something fails again",
                        "reopen it: something fails again",
                    )),
                    None => {}
                }
                let would = if self.done { "" } else { "would " };
                write!(f, "{would}{} ({url})", what.join(" and "))
            }
            Action::UpToDate { url } => write!(f, "{url} is up to date: no write"),
            Action::CloseDuplicate { number, keep } => write!(
                f,
                "{} duplicate #{number} in favour of #{keep}",
                verb("closed", "would close")
            ),
            Action::LookAlike {
                number,
                url,
                author,
            } => write!(
                f,
                "left #{number} alone ({url}): it carries this report's marker but was opened by \
                 {author}, and this run is {}; orgcheck only edits issues it opened. If it is an \
                 old report from other credentials, close it",
                self.me
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(number: u64, author: &str, open: bool) -> Found {
        Found {
            number,
            url: format!("https://github.com/acme/compliance/issues/{number}"),
            open,
            author: author.into(),
            state: String::new(),
        }
    }

    fn situation<'a>(ours: &'a [Found], others: &'a [Found]) -> Situation<'a> {
        Situation {
            ours,
            others,
            previous: Some(1),
            content: 1,
            passing: false,
            close_when_passing: true,
            reopen: true,
        }
    }

    #[test]
    fn only_our_own_issues_are_ours() {
        let found = vec![
            issue(3, "orgcheck-app[bot]", true),
            issue(1, "mallory", true),
            issue(2, "Orgcheck-App[bot]", true),
        ];
        let (ours, others) = split(found, "orgcheck-app[bot]");
        assert_eq!(ours.iter().map(|i| i.number).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(others.len(), 1);
    }

    #[test]
    fn a_look_alike_is_warned_about_and_a_new_issue_opened() {
        let others = [issue(1, "mallory", true)];
        let actions = decide(&situation(&[], &others));
        assert!(
            matches!(&actions[0], Action::LookAlike { number: 1, author, .. } if author == "mallory")
        );
        assert_eq!(actions[1], Action::Create);
    }

    #[test]
    fn an_unchanged_report_writes_nothing_and_a_changed_one_its_body() {
        let ours = [
            issue(4, "me", true),
            issue(5, "me", false),
            issue(6, "me", true),
        ];
        let s = situation(&ours, &[]);
        let actions = decide(&s);
        assert!(matches!(actions[0], Action::UpToDate { .. }));
        // The closed duplicate stays closed; the open one is closed.
        assert_eq!(
            actions[1..],
            [Action::CloseDuplicate { number: 6, keep: 4 }]
        );
        let changed = decide(&Situation { content: 2, ..s });
        assert!(matches!(
            changed[0],
            Action::Update {
                number: 4,
                body: true,
                state: None,
                ..
            }
        ));
    }

    #[test]
    fn close_when_passing_and_reopen_on_regression() {
        let open = [issue(4, "me", true)];
        let closed = [issue(4, "me", false)];
        let pass = Situation {
            passing: true,
            ..situation(&open, &[])
        };
        assert!(matches!(
            decide(&pass)[0],
            Action::Update {
                body: false,
                state: Some(StateChange::Close),
                ..
            }
        ));
        let keep_open = Situation {
            close_when_passing: false,
            ..pass.clone()
        };
        assert!(matches!(decide(&keep_open)[0], Action::UpToDate { .. }));
        assert!(matches!(
            decide(&situation(&closed, &[]))[0],
            Action::Update {
                state: Some(StateChange::Reopen),
                ..
            }
        ));
        let no_reopen = Situation {
            reopen: false,
            ..situation(&closed, &[])
        };
        assert!(matches!(decide(&no_reopen)[0], Action::UpToDate { .. }));
        let none = Situation {
            passing: true,
            ..situation(&[], &[])
        };
        assert_eq!(decide(&none), [Action::NothingToOpen]);
    }

    #[test]
    fn actions_read_as_planned_and_as_done() {
        let update = Action::Update {
            number: 4,
            url: "u".into(),
            body: true,
            state: Some(StateChange::Close),
        };
        let said = |done| {
            Described {
                action: &update,
                done,
                repo: "acme/compliance",
                me: "me",
            }
            .to_string()
        };
        assert_eq!(
            said(false),
            "would update the report and close it: everything is compliant (u)"
        );
        assert_eq!(
            said(true),
            "updated the report and closed it: everything is compliant (u)"
        );
    }
}
