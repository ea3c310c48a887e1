//! Shared fixtures for the integration tests.
#![allow(dead_code)]

/// A small valid protocol whose line numbers the validation tests rely on.
pub const BASE: &str = r#"id = "t"
version = 1
title = "Test"
citations = ["x"]

[[phases]]
id = "preparation"
label = "Preparation"

[[phases]]
id = "treatment"
label = "Treatment"

[[visit_types]]
id = "prep"
label = "Preparation"
kind = "preparation"
duration_minutes = 90
staff = { therapists = 2 }

[[visit_types]]
id = "exp"
label = "Experimental"
kind = "experimental"
duration_minutes = 480
staff = { therapists = 2 }
overnight = true
instruments = ["cssrs"]

[[visits]]
id = "p1"
type = "prep"
phase = "preparation"
anchor = "baseline"
offset_days = 0
window = [0, 2]

[[visits]]
id = "e1"
type = "exp"
phase = "treatment"
anchor = "p1"
offset_days = 7
window = [2, 2]
dose = { initial_mg = 80, supplemental_mg = 40, supplemental_window_minutes = [90, 150] }

[[visits]]
id = "e2"
type = "exp"
phase = "treatment"
anchor = "e1"
offset_days = 28
window = [7, 7]
dose = { initial_mg = 120 }
"#;

/// `BASE` with the given 1-based lines replaced.
pub fn with_lines(changes: &[(usize, &str)]) -> String {
    let mut lines: Vec<String> = BASE.lines().map(str::to_string).collect();
    for (n, text) in changes {
        lines[n - 1] = (*text).to_string();
    }
    lines.join("\n") + "\n"
}
