//! The authorisations capability's schema steps. Versions are global: a new step takes the next
//! unused number (a test refuses duplicates) and runs after every lower one.

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 10,
    name: "authorisations: approvals and registrations with their scope and dates",
    common: &[
        "CREATE TABLE authorisations (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id), kind TEXT NOT NULL,
            reference TEXT NOT NULL, issued_by TEXT NOT NULL, holder_id TEXT REFERENCES users (id),
            participant_id TEXT REFERENCES participants (id), product TEXT, indication TEXT, quantity_mg BIGINT,
            valid_from TEXT NOT NULL, expires_on TEXT, status TEXT NOT NULL,
            recorded_at BIGINT NOT NULL, recorded_by TEXT NOT NULL)",
        "CREATE INDEX authorisations_site ON authorisations (site_id, kind)",
    ],
    sqlite: &[],
    postgres: &[],
},
Migration {
    version: 11,
    name: "reports and notices marked sent, with the recipient's reference",
    common: &[
        "CREATE TABLE report_submissions (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id), rule_id TEXT NOT NULL,
            subject TEXT NOT NULL, trigger_date TEXT NOT NULL, due_on TEXT NOT NULL, sent_on TEXT NOT NULL,
            reference TEXT NOT NULL, recorded_at BIGINT NOT NULL, recorded_by TEXT NOT NULL)",
        "CREATE INDEX report_submissions_site ON report_submissions (site_id)",
    ],
    sqlite: &[],
    postgres: &[],
},
Migration {
    version: 14,
    name: "site readiness: sign-offs and findings against the programme's checklists",
    common: &[
        "CREATE TABLE readiness_signoffs (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id), checklist_id TEXT NOT NULL,
            checklist_version BIGINT NOT NULL, item_id TEXT NOT NULL, outcome TEXT NOT NULL, finding TEXT,
            checked_on TEXT NOT NULL, valid_until TEXT, recorded_at BIGINT NOT NULL, recorded_by TEXT NOT NULL)",
        "CREATE INDEX readiness_signoffs_site ON readiness_signoffs (site_id, checklist_id, item_id)",
    ],
    sqlite: &[],
    postgres: &[],
},
];
