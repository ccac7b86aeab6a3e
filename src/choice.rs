//! Enumerated values that users write (in the policy, on the command line) and read (in
//! reports): each is one Rust enum with one list of variants and identifiers, which clap's
//! `ValueEnum`, the policy parser, the policy schema, the editor and the reports all use.

/// An enumerated value with stable identifiers.
pub trait Choice: Copy + Eq + 'static {
    /// Every variant, in the order help and schemas list them; the first is the default.
    const ALL: &'static [Self];
    /// The identifiers of [`Self::ALL`], in the same order.
    const IDS: &'static [&'static str];

    /// The stable identifier.
    fn id(self) -> &'static str {
        let i = Self::ALL.iter().position(|v| *v == self).unwrap_or(0);
        Self::IDS[i]
    }

    /// The variant an identifier names.
    fn from_id(id: &str) -> Option<Self> {
        let i = Self::IDS.iter().position(|v| *v == id)?;
        Some(Self::ALL[i])
    }

    /// The identifiers as a sentence for error messages: "`a`, `b` or `c`".
    fn expected() -> String {
        let quoted: Vec<String> = Self::IDS.iter().map(|v| format!("`{v}`")).collect();
        match quoted.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

/// Define an enum with its identifiers, implementing [`Choice`], clap's `ValueEnum`,
/// `Display` and `Serialize` (as the identifier).
macro_rules! choice {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $id:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $crate::choice::Choice for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            const IDS: &'static [&'static str] = &[$($id),+];
        }

        impl clap::ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                <Self as $crate::choice::Choice>::ALL
            }
            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(
                    <Self as $crate::choice::Choice>::id(*self),
                ))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(<Self as $crate::choice::Choice>::id(*self))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(<Self as $crate::choice::Choice>::id(*self))
            }
        }
    };
}

pub(crate) use choice;

#[cfg(test)]
mod tests {
    use super::Choice;

    choice! {
        /// A test enum.
        pub enum Colour {
            /// Red.
            Red = "red",
            /// Light blue.
            LightBlue = "light-blue",
        }
    }

    #[test]
    fn identifiers_round_trip_and_read_as_a_sentence() {
        for c in Colour::ALL {
            assert_eq!(Colour::from_id(c.id()), Some(*c));
        }
        assert_eq!(Colour::LightBlue.to_string(), "light-blue");
        assert_eq!(Colour::from_id("blue"), None);
        assert_eq!(Colour::expected(), "`red` or `light-blue`");
        let names: Vec<String> = <Colour as clap::ValueEnum>::value_variants()
            .iter()
            .map(|c| {
                clap::ValueEnum::to_possible_value(c)
                    .unwrap()
                    .get_name()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["red", "light-blue"]);
    }
}
