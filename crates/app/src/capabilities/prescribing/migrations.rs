//! The prescribing capability's schema steps (versions are global; see the platform's list).

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 13,
    name: "prescriptions: the prescriber's dose plan for named dosing sessions",
    common: &[
        "CREATE TABLE prescriptions (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            participant_id TEXT NOT NULL REFERENCES participants (id), prescriber_id TEXT NOT NULL REFERENCES users (id),
            product TEXT NOT NULL, indication TEXT NOT NULL, plan TEXT NOT NULL, issued_on TEXT NOT NULL,
            expires_on TEXT, status TEXT NOT NULL, recorded_at BIGINT NOT NULL, recorded_by TEXT NOT NULL)",
        "CREATE INDEX prescriptions_participant ON prescriptions (participant_id)",
        "CREATE INDEX prescriptions_site ON prescriptions (site_id, issued_on)",
    ],
    sqlite: &[],
    postgres: &[],
},
Migration {
    version: 17,
    name: "dose decisions: a physician's signed decision that a dosing session may have more than prescribed",
    common: &[
        "CREATE TABLE dose_decisions (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            participant_id TEXT NOT NULL REFERENCES participants (id),
            prescription_id TEXT NOT NULL REFERENCES prescriptions (id), visit_id TEXT NOT NULL,
            session_mg TEXT NOT NULL, reason TEXT NOT NULL, decided_by TEXT NOT NULL REFERENCES users (id),
            decided_on TEXT NOT NULL, recorded_at BIGINT NOT NULL, above_protocol BIGINT NOT NULL,
            confirmed_by TEXT REFERENCES users (id), confirmed_at BIGINT)",
        "CREATE INDEX dose_decisions_participant ON dose_decisions (participant_id)",
    ],
    sqlite: &[],
    postgres: &[],
},
];
