//! The outcomes capability's schema steps. Versions are global: a new step takes the next unused
//! number (a test refuses duplicates) and runs after every lower one.

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 3,
    name: "outcome measurement: assessments, safety alerts, settings",
    common: &[
        "CREATE TABLE assessments (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), instrument TEXT NOT NULL, version TEXT NOT NULL,
            timepoint TEXT NOT NULL, administered_on TEXT NOT NULL, recorded_at BIGINT NOT NULL,
            recorded_by TEXT NOT NULL, mode TEXT NOT NULL, answers TEXT NOT NULL, total BIGINT)",
        "CREATE INDEX assessments_participant ON assessments (participant_id, administered_on, recorded_at)",
        "CREATE TABLE safety_alerts (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), assessment_id TEXT NOT NULL REFERENCES assessments (id),
            kind TEXT NOT NULL, raised_at BIGINT NOT NULL, acknowledged_by TEXT, acknowledged_at BIGINT,
            acknowledgement TEXT)",
        "CREATE INDEX safety_alerts_open ON safety_alerts (site_id, acknowledged_at, raised_at)",
        "CREATE TABLE settings (id TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL)",
    ],
    sqlite: &[],
    postgres: &[],
},
Migration {
    version: 7,
    name: "assessment voids: a mistaken assessment set aside with its reason",
    common: &[
        "CREATE TABLE assessment_voids (
            id TEXT PRIMARY KEY REFERENCES assessments (id), participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), reason TEXT NOT NULL, voided_by TEXT NOT NULL,
            voided_at BIGINT NOT NULL)",
    ],
    sqlite: &[
        "CREATE TRIGGER assessment_voids_no_delete BEFORE DELETE ON assessment_voids
            BEGIN SELECT RAISE(ABORT, 'assessment voids are never deleted'); END",
    ],
    postgres: &[
        "CREATE TRIGGER assessment_voids_no_delete BEFORE DELETE ON assessment_voids
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
    ],
},
];
