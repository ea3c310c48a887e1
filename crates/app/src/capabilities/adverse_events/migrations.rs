//! The adverse-event capability's schema steps (versions are global; see the platform's list).

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 19,
    name: "adverse events, solicited checklists and serious-event reports marked sent",
    common: &[
        "CREATE TABLE adverse_events (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            participant_id TEXT NOT NULL REFERENCES participants (id), session_id TEXT,
            revision BIGINT NOT NULL, event TEXT NOT NULL, recorded_at BIGINT NOT NULL)",
        "CREATE INDEX adverse_events_participant ON adverse_events (participant_id)",
        "CREATE INDEX adverse_events_site ON adverse_events (site_id)",
        "CREATE TABLE ae_checklists (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            participant_id TEXT NOT NULL REFERENCES participants (id), session_id TEXT NOT NULL,
            point TEXT NOT NULL, clinician_id TEXT NOT NULL REFERENCES users (id),
            checklist TEXT NOT NULL, recorded_at BIGINT NOT NULL)",
        "CREATE UNIQUE INDEX ae_checklists_session_point ON ae_checklists (session_id, point)",
        "CREATE INDEX ae_checklists_site ON ae_checklists (site_id)",
        "CREATE TABLE sae_submissions (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            participant_id TEXT NOT NULL REFERENCES participants (id),
            event_id TEXT NOT NULL REFERENCES adverse_events (id), rule_id TEXT NOT NULL,
            recipient TEXT NOT NULL, reference TEXT NOT NULL, sent_at BIGINT NOT NULL,
            sent_by TEXT NOT NULL REFERENCES users (id), recorded_at BIGINT NOT NULL)",
        "CREATE UNIQUE INDEX sae_submissions_event_rule ON sae_submissions (event_id, rule_id)",
        "CREATE INDEX sae_submissions_site ON sae_submissions (site_id)",
    ],
    // Nothing is deleted: an event is corrected (a ledgered update with its reason); a
    // checklist and a report marked sent are never changed either.
    sqlite: &[
        "CREATE TRIGGER adverse_events_no_delete BEFORE DELETE ON adverse_events
            BEGIN SELECT RAISE(ABORT, 'adverse_events are never deleted: correct one instead'); END",
        "CREATE TRIGGER ae_checklists_no_update BEFORE UPDATE ON ae_checklists
            BEGIN SELECT RAISE(ABORT, 'ae_checklists is append-only: UPDATE refused'); END",
        "CREATE TRIGGER ae_checklists_no_delete BEFORE DELETE ON ae_checklists
            BEGIN SELECT RAISE(ABORT, 'ae_checklists is append-only: DELETE refused'); END",
        "CREATE TRIGGER sae_submissions_no_update BEFORE UPDATE ON sae_submissions
            BEGIN SELECT RAISE(ABORT, 'sae_submissions is append-only: UPDATE refused'); END",
        "CREATE TRIGGER sae_submissions_no_delete BEFORE DELETE ON sae_submissions
            BEGIN SELECT RAISE(ABORT, 'sae_submissions is append-only: DELETE refused'); END",
    ],
    postgres: &[
        "CREATE TRIGGER adverse_events_no_delete BEFORE DELETE ON adverse_events
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
        "CREATE TRIGGER ae_checklists_append_only BEFORE UPDATE OR DELETE ON ae_checklists
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
        "CREATE TRIGGER sae_submissions_append_only BEFORE UPDATE OR DELETE ON sae_submissions
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
    ],
},
Migration {
    version: 20,
    name: "participants' own reports between sessions and each one's review",
    common: &[
        "CREATE TABLE ae_self_reports (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            participant_id TEXT NOT NULL REFERENCES participants (id),
            report TEXT NOT NULL, recorded_at BIGINT NOT NULL)",
        "CREATE INDEX ae_self_reports_participant ON ae_self_reports (participant_id)",
        "CREATE INDEX ae_self_reports_site ON ae_self_reports (site_id)",
        "CREATE TABLE ae_self_report_reviews (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            participant_id TEXT NOT NULL REFERENCES participants (id),
            report_id TEXT NOT NULL REFERENCES ae_self_reports (id),
            review TEXT NOT NULL, recorded_at BIGINT NOT NULL)",
        "CREATE UNIQUE INDEX ae_self_report_reviews_report ON ae_self_report_reviews (report_id)",
        "CREATE INDEX ae_self_report_reviews_site ON ae_self_report_reviews (site_id)",
    ],
    // What a participant said and what the clinician made of it are never changed.
    sqlite: &[
        "CREATE TRIGGER ae_self_reports_no_update BEFORE UPDATE ON ae_self_reports
            BEGIN SELECT RAISE(ABORT, 'ae_self_reports is append-only: UPDATE refused'); END",
        "CREATE TRIGGER ae_self_reports_no_delete BEFORE DELETE ON ae_self_reports
            BEGIN SELECT RAISE(ABORT, 'ae_self_reports is append-only: DELETE refused'); END",
        "CREATE TRIGGER ae_self_report_reviews_no_update BEFORE UPDATE ON ae_self_report_reviews
            BEGIN SELECT RAISE(ABORT, 'ae_self_report_reviews is append-only: UPDATE refused'); END",
        "CREATE TRIGGER ae_self_report_reviews_no_delete BEFORE DELETE ON ae_self_report_reviews
            BEGIN SELECT RAISE(ABORT, 'ae_self_report_reviews is append-only: DELETE refused'); END",
    ],
    postgres: &[
        "CREATE TRIGGER ae_self_reports_append_only BEFORE UPDATE OR DELETE ON ae_self_reports
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
        "CREATE TRIGGER ae_self_report_reviews_append_only BEFORE UPDATE OR DELETE ON ae_self_report_reviews
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
    ],
},
];
