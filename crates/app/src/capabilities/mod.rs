//! The capabilities, each in its own folder with everything it needs (records and table specs,
//! migrations, queries, use cases, API, pages, navigation, demo data, tests), and the one list
//! of them. Adding a capability: a folder that declares its `CAPABILITY`, its name in the list
//! below, and its entries in the access policy (`catalyst_core::policy`).

use crate::App;
use crate::platform::capability::Capability;
use crate::platform::demo::DemoLogin;
use crate::platform::error::AppResult;
use catalyst_core::ledger::AuditActor;

/// Declares each capability's module and lists its `CAPABILITY`, in the order their demo data
/// is seeded and their navigation entries appear (people first: every other one builds on it).
macro_rules! capabilities {
    ($($name:ident),+ $(,)?) => {
        $(pub mod $name;)+
        pub static CAPABILITIES: &[&Capability] = &[$(&$name::CAPABILITY),+];
    };
}

capabilities!(
    people,
    outcomes,
    eligibility,
    authorisations,
    treatment,
    prescribing,
    documents,
    pharmacy,
    adverse_events,
    coding
);

impl App {
    /// Seeds the demo programme into an empty database (one with no site yet), each
    /// capability in list order, then checkpoints the ledger. `None` when already seeded.
    pub async fn seed_demo(&self) -> AppResult<Option<Vec<DemoLogin>>> {
        if people::has_any_site(self).await? {
            return Ok(None);
        }
        let by = AuditActor::system("demo");
        let mut logins = Vec::new();
        for capability in CAPABILITIES {
            if let Some(seed) = capability.demo {
                seed(self, &by, &mut logins).await?;
            }
        }
        self.checkpoint().await?;
        Ok(Some(logins))
    }
}

/// Source checks the compiler cannot make: each capability's records are read and written only
/// by that capability (others ask its interface), and its domain stays pure.
#[cfg(test)]
mod layout_tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                out.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        out
    }

    fn src() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    /// A capability's domain: `domain.rs` and anything under `domain/`.
    fn domain_files(capability: &str) -> Vec<PathBuf> {
        let folder = src().join("capabilities").join(capability);
        let mut files = vec![folder.join("domain.rs")];
        if folder.join("domain").is_dir() {
            files.extend(rust_files(&folder.join("domain")));
        }
        files
    }

    /// Each capability's record types (`impl Record for X` in its domain).
    fn record_types() -> BTreeMap<String, Vec<String>> {
        super::CAPABILITIES
            .iter()
            .map(|c| {
                let types = domain_files(c.name)
                    .iter()
                    .flat_map(|file| {
                        let text = std::fs::read_to_string(file).unwrap();
                        text.lines()
                            .filter_map(|l| l.trim().strip_prefix("impl Record for "))
                            .map(|rest| rest.trim_end_matches(" {").trim().to_owned())
                            .collect::<Vec<_>>()
                    })
                    .collect();
                (c.name.to_owned(), types)
            })
            .collect()
    }

    #[test]
    fn no_capability_reads_or_writes_another_capabilitys_records() {
        let owners = record_types();
        assert!(
            owners["people"].contains(&"Participant".to_owned())
                && owners["treatment"].contains(&"Enrolment".to_owned())
        );
        let mut trespasses = Vec::new();
        let folders: Vec<(String, PathBuf)> = super::CAPABILITIES
            .iter()
            .map(|c| (c.name.to_owned(), src().join("capabilities").join(c.name)))
            .chain([("platform".to_owned(), src().join("platform"))])
            .collect();
        for (folder, dir) in &folders {
            for file in rust_files(dir) {
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                // Interfaces answer for their own records; demos are seeded through them too.
                let text = std::fs::read_to_string(&file).unwrap();
                for (owner, types) in &owners {
                    if owner == folder {
                        continue;
                    }
                    for ty in types {
                        for pattern in
                            [format!("get::<{ty}>"), format!("::{ty}>("), format!("{ty} {{ id:"), format!("&{ty} {{")]
                        {
                            if text.contains(&pattern) {
                                trespasses.push(format!("{folder}/{name}: {pattern} (a record of {owner})"));
                            }
                        }
                        if text
                            .lines()
                            .any(|l| l.trim_start().starts_with(&format!("let {} = {ty} {{", ty.to_lowercase())))
                        {
                            trespasses.push(format!("{folder}/{name}: builds a {ty} (a record of {owner})"));
                        }
                    }
                }
            }
        }
        assert!(trespasses.is_empty(), "ask the owning capability's interface instead:\n{}", trespasses.join("\n"));
    }

    #[test]
    fn no_sql_names_another_capabilitys_table() {
        let mut trespasses = Vec::new();
        let folders: Vec<(&str, PathBuf)> = super::CAPABILITIES
            .iter()
            .map(|c| (c.name, src().join("capabilities").join(c.name)))
            .chain([("platform", src().join("platform"))])
            .collect();
        for (folder, dir) in &folders {
            for file in rust_files(dir) {
                let name = file.strip_prefix(src()).unwrap().display().to_string();
                if name.ends_with("migrations.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&file).unwrap();
                for owner in super::CAPABILITIES.iter().filter(|c| c.name != *folder) {
                    for spec in owner.tables {
                        for verb in ["FROM", "JOIN", "INTO", "UPDATE", "DELETE FROM"] {
                            let pattern = format!("{verb} {} ", spec.table);
                            let at_end = format!("{verb} {}\"", spec.table);
                            if text.contains(&pattern) || text.contains(&at_end) {
                                trespasses.push(format!("{name}: {verb} {} (a table of {})", spec.table, owner.name));
                            }
                        }
                    }
                }
            }
        }
        assert!(trespasses.is_empty(), "ask the owning capability's interface instead:\n{}", trespasses.join("\n"));
    }

    #[test]
    fn domain_modules_are_pure() {
        // Domain logic takes time, ids and randomness as inputs and does no I/O.
        let forbidden = [
            "sqlx",
            "tokio",
            "std::fs",
            "std::net",
            "SystemTime",
            "Instant::now",
            "getrandom",
            "Uuid::now",
            "Timestamp::now",
            "crate::platform",
            "async fn",
            ".await",
        ];
        for capability in super::CAPABILITIES {
            let folder = src().join("capabilities").join(capability.name);
            // The domain module and its submodules, if it has any (`domain/`).
            let mut files = vec![folder.join("domain.rs")];
            if folder.join("domain").is_dir() {
                files.extend(rust_files(&folder.join("domain")));
            }
            for path in files {
                let text = std::fs::read_to_string(&path).unwrap();
                let name = path.strip_prefix(&folder).unwrap().display().to_string();
                for word in forbidden {
                    assert!(!text.contains(word), "{}/{name} uses {word}: the domain must stay pure", capability.name);
                }
            }
        }
    }

    /// Page and API handlers: every capability's `api`, `pages` and view modules, and the
    /// platform's HTTP shell.
    fn handler_files() -> Vec<PathBuf> {
        let mut files = rust_files(&src().join("platform").join("web"));
        for capability in super::CAPABILITIES {
            for file in rust_files(&src().join("capabilities").join(capability.name)) {
                let path = file.to_string_lossy().into_owned();
                let is_handler = ["/api", "/pages", "/dashboard.rs", "/portal.rs", "/charts.rs", "/screening_form.rs"]
                    .iter()
                    .any(|part| path.contains(part));
                if is_handler {
                    files.push(file);
                }
            }
        }
        files
    }

    #[test]
    fn handlers_ask_the_application_never_the_policy_or_the_store() {
        let files = handler_files();
        assert!(files.len() > 20, "handler files not found: {files:?}");
        let mut found = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                let policy_call = code.contains("policy::authorize")
                    || code.contains("allowed_somewhere")
                    || code.contains("grant_allows")
                    || code.match_indices("authorize(").any(|(i, _)| !code[..i].ends_with('.'));
                if policy_call || code.contains(".store.") || code.contains("store()") {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(found.is_empty(), "handlers must ask `App::may` or a use case:\n{}", found.join("\n"));
    }
}
