//! Enrolment on a protocol version, and moving to another (an amendment).

use crate::App;
use crate::capabilities::people::domain::Participant;
use crate::capabilities::treatment::domain::{Enrolment, date};
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor};

use super::protocols;

impl App {
    /// Enrols a participant on a protocol (the newest version unless one is named), counting
    /// the schedule from `baseline_on`.
    pub async fn enrol(
        &self,
        actor: &Actor,
        participant_id: &str,
        protocol_id: &str,
        version: Option<i64>,
        baseline_on: &str,
    ) -> AppResult<Enrolment> {
        let participant = self.participant_for(actor, Action::ManageSchedule, participant_id).await?;
        let registry = protocols()?;
        let protocol = match version {
            Some(v) => registry.get(protocol_id, u32::try_from(v).unwrap_or(0)),
            None => registry.latest(protocol_id),
        }
        .ok_or_else(|| {
            let known: Vec<String> = registry.list().iter().map(|p| format!("{} v{}", p.id(), p.version())).collect();
            DomainError::invalid(
                "protocol_id",
                "one_of",
                format!(
                    "no protocol {protocol_id:?}{}; available: {}",
                    version.map(|v| format!(" version {v}")).unwrap_or_default(),
                    known.join(", ")
                ),
            )
        })?;
        let baseline = date("baseline_on", baseline_on).map_err(|v| DomainError::Invalid(vec![v]))?;
        if self.store.get::<Enrolment>(participant_id).await?.is_some() {
            return Err(DomainError::Conflict(format!(
                "{} is already enrolled; move them to another protocol version with a reason instead",
                participant.code
            ))
            .into());
        }
        let enrolment = Enrolment {
            id: participant.id.clone(),
            participant_id: participant.id.clone(),
            site_id: participant.site_id.clone(),
            protocol_id: protocol.id().to_owned(),
            protocol_version: i64::from(protocol.version()),
            baseline_on: baseline.to_string(),
            enrolled_at: self.now(),
            enrolled_by: actor.user_id.clone(),
        };
        self.insert_enrolment(Self::audit_actor(actor), &participant, &enrolment).await?;
        Ok(enrolment)
    }

    pub(crate) async fn insert_enrolment(
        &self,
        by: AuditActor,
        participant: &Participant,
        enrolment: &Enrolment,
    ) -> AppResult<()> {
        let (_, chain) = self.chain_for_site(&participant.site_id).await?;
        let mut tx = self.begin(by, std::slice::from_ref(&chain)).await?;
        crate::capabilities::eligibility::interface::enrolment_gate_in(&mut tx, &participant.id, &enrolment.baseline_on)
            .await?;
        tx.insert(&chain.chain, "enrolment.create", enrolment).await?;
        let reason = format!("enrolled on {} v{}", enrolment.protocol_id, enrolment.protocol_version);
        crate::capabilities::people::interface::mark_enrolled_in(&mut tx, &chain.chain, &participant.id, &reason).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves an enrolled participant to another version of their protocol (an amendment) or to
    /// another protocol, with the reason; the ledger keeps which version governed when.
    pub async fn move_enrolment(
        &self,
        actor: &Actor,
        participant_id: &str,
        protocol_id: &str,
        version: i64,
        reason: &str,
    ) -> AppResult<Enrolment> {
        let participant = self.participant_for(actor, Action::ManageSchedule, participant_id).await?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let current = self
            .store
            .get::<Enrolment>(participant_id)
            .await?
            .ok_or_else(|| DomainError::Conflict(format!("{} is not enrolled yet", participant.code)))?;
        let protocol = protocols()?.get(protocol_id, u32::try_from(version).unwrap_or(0)).ok_or_else(|| {
            DomainError::invalid("version", "known_version", format!("no protocol {protocol_id:?} version {version}"))
        })?;
        if current.protocol_id == protocol.id() && current.protocol_version == i64::from(protocol.version()) {
            return Err(DomainError::Conflict(format!(
                "{} already follows {} v{}",
                participant.code,
                protocol.id(),
                protocol.version()
            ))
            .into());
        }
        let moved = Enrolment {
            protocol_id: protocol.id().to_owned(),
            protocol_version: i64::from(protocol.version()),
            ..current
        };
        let (_, chain) = self.chain_for_site(&participant.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.update(&chain.chain, "enrolment.move", &moved, &reason).await?;
        tx.commit().await?;
        Ok(moved)
    }
}
