//! Enums whose values travel as fixed lowercase names (in rows, the API and the ledger).

/// An enum with wire names, `ALL`, `NAMES`, `as_str`, `parse` (naming the allowed values on
/// error) and `Display`.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the wire name, or explains which names are allowed.
            pub fn parse(field: &str, value: &str) -> Result<Self, $crate::error::Violation> {
                match value.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::error::Violation::one_of(field, other, Self::NAMES)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
