//! A realistic demo programme: three sites in different time zones and jurisdictions, staff in
//! every role, and participants at every stage. Later capabilities extend it.

use crate::App;
use crate::platform::demo::{DEMO_PASSWORD, DemoFuture, DemoLogin};
use crate::platform::error::AppResult;
use catalyst_core::ledger::AuditActor;
use crate::capabilities::people::domain::{Participant, Role, Site, SiteInput, Stage, UserInput, participant_code};

/// Every demo account shares this password (printed at start-up; never use it in production).
struct DemoSite {
    code: &'static str,
    name: &'static str,
    zone: &'static str,
    jurisdiction: &'static str,
    lead: &'static str,
    therapists: [&'static str; 3],
    physician: &'static str,
    pharmacist: &'static str,
    stages: &'static [Stage],
}

const SITES: &[DemoSite] = &[
    DemoSite {
        code: "SYD",
        name: "Sydney Trauma Recovery Centre",
        zone: "Australia/Sydney",
        jurisdiction: "AU-NSW",
        lead: "Dr Priya Raman",
        therapists: ["Sam Whitlock", "Mere Tane", "Lucy Chen"],
        physician: "Dr Tom Hargreaves",
        pharmacist: "Grace Kim",
        stages: &[
            Stage::Referred,
            Stage::Screening,
            Stage::Screening,
            Stage::Enrolled,
            Stage::Preparation,
            Stage::Dosing,
            Stage::Integration,
            Stage::FollowUp,
            Stage::Completed,
        ],
    },
    DemoSite {
        code: "BOS",
        name: "Boston Clinical Research Unit",
        zone: "America/New_York",
        jurisdiction: "US",
        lead: "Dr Michael Okafor",
        therapists: ["Rachel Adler", "Daniel Ortiz", "Hannah Lindqvist"],
        physician: "Dr Emily Shaw",
        pharmacist: "Marcus Bell",
        stages: &[
            Stage::Screening,
            Stage::Enrolled,
            Stage::Preparation,
            Stage::Dosing,
            Stage::Dosing,
            Stage::Integration,
            Stage::FollowUp,
            Stage::Withdrawn,
        ],
    },
    DemoSite {
        code: "VAN",
        name: "Vancouver Special Access Clinic",
        zone: "America/Vancouver",
        jurisdiction: "CA-BC",
        lead: "Dr Aiko Tanaka",
        therapists: ["Liam Fraser", "Noor Haddad", "Claire Dubois"],
        physician: "Dr Ben Whitehorse",
        pharmacist: "Anita Gill",
        stages: &[Stage::Referred, Stage::Screening, Stage::Preparation, Stage::Integration],
    },
];

/// Sites with their staff, participants at every stage, a portal account at each site.
pub(crate) fn seed<'a>(app: &'a App, by: &'a AuditActor, logins: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(app.seed_demo_people(by, logins))
}

impl App {
    async fn seed_demo_people(&self, by: &AuditActor, logins: &mut Vec<DemoLogin>) -> AppResult<()> {
        let admin = self.bootstrap_admin(&user("admin", "Alex Morgan (administrator)")).await?;
        account(logins, &admin.username, &admin.display_name, Role::Administrator, None);
        let mut sites = Vec::new();
        for demo in SITES {
            sites.push((self.seed_demo_site(by, demo, logins).await?, demo));
        }
        for (username, name, role) in [
            ("rater", "Jordan Lee (independent rater)", Role::Rater),
            ("monitor", "Ines Duarte (monitor)", Role::Monitor),
            ("coder", "Sam Okafor (medical coder)", Role::Coder),
        ] {
            let u = self.insert_user(by.clone(), &user(username, name)).await?;
            self.insert_grant(by.clone(), &u.id, role, None).await?;
            account(logins, username, name, role, None);
        }
        for (site, demo) in &sites {
            self.seed_demo_participants(by, site, demo, logins).await?;
        }
        Ok(())
    }

    /// A site with its lead, therapists, physician and pharmacist.
    async fn seed_demo_site(&self, by: &AuditActor, demo: &DemoSite, logins: &mut Vec<DemoLogin>) -> AppResult<Site> {
        let input = SiteInput {
            code: demo.code.into(),
            name: demo.name.into(),
            time_zone: demo.zone.into(),
            jurisdiction: demo.jurisdiction.into(),
        };
        let site = self.insert_site(by.clone(), &input).await?;
        let lower = demo.code.to_ascii_lowercase();
        let staff: Vec<(String, &str, Role)> = std::iter::once((format!("lead.{lower}"), demo.lead, Role::SiteLead))
            .chain(
                demo.therapists
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (format!("therapist{}.{lower}", i + 1), *n, Role::Therapist)),
            )
            .chain([
                (format!("physician.{lower}"), demo.physician, Role::Physician),
                (format!("pharmacist.{lower}"), demo.pharmacist, Role::Pharmacist),
            ])
            .collect();
        for (username, name, role) in staff {
            let u = self.insert_user(by.clone(), &user(&username, name)).await?;
            self.insert_grant(by.clone(), &u.id, role, Some(&site.id)).await?;
            account(logins, &username, name, role, Some(demo.code));
        }
        Ok(site)
    }

    /// The site's participants, one at each of its stages, and a portal account for the first
    /// one in treatment.
    async fn seed_demo_participants(
        &self,
        by: &AuditActor,
        site: &Site,
        demo: &DemoSite,
        logins: &mut Vec<DemoLogin>,
    ) -> AppResult<()> {
        let (_, chain) = self.chain_for_site(&site.id).await?;
        let mut tx = self.begin(by.clone(), std::slice::from_ref(&chain)).await?;
        let mut first_in_treatment = None;
        for (i, stage) in demo.stages.iter().enumerate() {
            let serial = i as i64 + 1;
            let participant = Participant {
                id: self.new_id(),
                site_id: site.id.clone(),
                serial,
                code: participant_code(&site.code, serial),
                stage: *stage,
                user_id: None,
                created_at: self.now(),
            };
            if first_in_treatment.is_none() && matches!(stage, Stage::Preparation | Stage::Dosing | Stage::Integration)
            {
                first_in_treatment = Some(participant.clone());
            }
            tx.insert(&chain.chain, "participant.create", &participant).await?;
        }
        tx.commit().await?;

        // One participant per site uses the portal.
        if let Some(participant) = first_in_treatment {
            let username = format!("participant.{}", site.code.to_ascii_lowercase());
            self.link_portal_account(by.clone(), &participant, &username, DEMO_PASSWORD).await?;
            account(logins, &username, &format!("Participant {}", participant.code), Role::Participant, Some(&site.code));
        }
        Ok(())
    }
}

fn account(logins: &mut Vec<DemoLogin>, username: &str, name: &str, role: Role, site: Option<&str>) {
    logins.push(DemoLogin {
        username: username.to_owned(),
        display_name: name.to_owned(),
        role,
        site: site.map(str::to_owned),
    });
}

fn user(username: &str, display_name: &str) -> UserInput {
    UserInput {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
    }
}
