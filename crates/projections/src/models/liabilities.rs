//! Liabilities (法律责任, 第四十至四十三条): every recorded fact that proves a listed failure, with the
//! department answerable and the position of the event that proves it.
//!
//! Which event proves which item is the domain's mapping ([`govshare_domain::liability`]):
//! `items_proven_by(event_type)` and, for a missed deadline, `items_proven_by_missed(rule)`; each row
//! carries the mapping's condition text. This model only checks the conditions the mapping states on the
//! event's own fields (an upheld objection, a corrected answer, a confirmed leak and who was responsible, the
//! kinds of a grant violation, the incident's category). The rows of the mapping that are context rather
//! than proof — a collection list's justified duplicates and an entry's aggregation — are answered by the
//! `collection` and `aggregation` models.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_domain::catalog::{CatalogEntry, CatalogEvent};
use govshare_domain::grant::{Grant, GrantEvent, UseViolation};
use govshare_domain::incident::{
    IncidentCategory, IncidentEvent, ResponsibleParty, SecurityIncident,
};
use govshare_domain::liability::{
    LiabilityItem, evidence_for, items_proven_by, items_proven_by_missed,
};
use govshare_domain::share_application::{ObjectionOutcome, ShareApplication, ShareEvent};
use govshare_domain::supervision::{Supervision, SupervisionEvent};
use govshare_domain::third_party::{ThirdPartyEngagement, ThirdPartyEvent};
use govshare_domain::verification::{Verification, VerificationEvent, VerificationOutcome};
use govshare_domain::{DeadlineFact, DeadlineRule};
use govshare_store::{Position, RecordedEvent, StreamId};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{ListQuery, enum_name, from_nanos, nanos, parse_json};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, Tx};

/// Projection name.
pub const NAME: &str = "liabilities";
const TABLES: &[&str] = &["facts", "parties", "rules"];

/// The liabilities projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct LiabilitiesProjection;

/// Event types this model reads: deadline facts, the events that name a case's answerable party, and the
/// events of the domain's mapping that prove an item by themselves.
const READ: &[&str] = &[
    "DeadlineSet",
    "DeadlineMissed",
    "CatalogEntryDrafted",
    "CatalogEntryReturned",
    "ProviderRefused",
    "ObjectionConcluded",
    "VerificationRequested",
    "VerificationAnswered",
    "VerificationDisputeConcluded",
    "GrantViolationRecorded",
    "ThirdPartyViolationRecorded",
    "IncidentReported",
    "IncidentInvestigated",
    "InspectionRecorded",
    "RectificationRejected",
    "PublicCriticismIssued",
];

#[async_trait]
impl Projection for LiabilitiesProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        1
    }

    fn tables(&self) -> &'static [&'static str] {
        TABLES
    }

    fn schema(&self, _dialect: Dialect) -> Vec<String> {
        vec![
            "CREATE TABLE {facts} (\
                position BIGINT NOT NULL, \
                item TEXT NOT NULL, \
                citation TEXT NOT NULL, \
                event_type TEXT NOT NULL, \
                aggregate_type TEXT NOT NULL, \
                aggregate_id TEXT NOT NULL, \
                department TEXT NOT NULL, \
                missed_rule TEXT, \
                recorded_at BIGINT NOT NULL, \
                evidence TEXT NOT NULL, \
                PRIMARY KEY (position, item))"
                .into(),
            "CREATE INDEX {facts}_department ON {facts} (department, position, item)".into(),
            "CREATE INDEX {facts}_item ON {facts} (item, position)".into(),
            "CREATE INDEX {facts}_case ON {facts} (aggregate_type, aggregate_id, position)".into(),
            "CREATE TABLE {parties} (\
                aggregate_type TEXT NOT NULL, \
                aggregate_id TEXT NOT NULL, \
                party TEXT NOT NULL, \
                PRIMARY KEY (aggregate_type, aggregate_id))"
                .into(),
            "CREATE TABLE {rules} (\
                aggregate_type TEXT NOT NULL, \
                aggregate_id TEXT NOT NULL, \
                deadline_id TEXT NOT NULL, \
                rule TEXT NOT NULL, \
                PRIMARY KEY (aggregate_type, aggregate_id, deadline_id))"
                .into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        READ.contains(&event.event_type.as_str())
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        if let Some(fact) = decode::deadline_fact(e)? {
            return deadline(tx, e, fact).await;
        }
        let mut proofs: Vec<(LiabilityItem, String)> = Vec::new();
        if decode::is::<CatalogEntry>(e) {
            match decode::event::<CatalogEntry>(e)? {
                CatalogEvent::CatalogEntryDrafted(d) => {
                    set_party(tx, e, d.provider.code.as_str()).await?
                }
                CatalogEvent::CatalogEntryReturned(_) => {
                    let party = party(tx, e).await?;
                    prove_all(&mut proofs, &e.event_type, &party);
                }
                _ => {}
            }
        } else if decode::is::<ShareApplication>(e) {
            match decode::event::<ShareApplication>(e)? {
                ShareEvent::ProviderRefused(r) => {
                    set_party(tx, e, r.by.department.code.as_str()).await?;
                }
                ShareEvent::ObjectionConcluded(c) if c.outcome == ObjectionOutcome::Upheld => {
                    let party = party(tx, e).await?;
                    prove_all(&mut proofs, &e.event_type, &party);
                }
                _ => {}
            }
        } else if decode::is::<Verification>(e) {
            match decode::event::<Verification>(e)? {
                VerificationEvent::VerificationRequested(r) => {
                    set_party(tx, e, r.provider.code.as_str()).await?;
                }
                VerificationEvent::VerificationAnswered(a)
                    if matches!(a.outcome, VerificationOutcome::Corrected { .. }) =>
                {
                    prove_all(&mut proofs, &e.event_type, a.by.department.code.as_str());
                }
                VerificationEvent::VerificationDisputeConcluded(c) if c.correction_required => {
                    let party = party(tx, e).await?;
                    prove_all(&mut proofs, &e.event_type, &party);
                }
                _ => {}
            }
        } else if decode::is::<Grant>(e) {
            if let GrantEvent::GrantViolationRecorded(v) = decode::event::<Grant>(e)? {
                let who = v.attributed_to.as_str();
                let misuse = v.violations.iter().any(|x| {
                    matches!(
                        x,
                        UseViolation::ItemsOutsideGrant { .. } | UseViolation::OtherPurpose { .. }
                    )
                });
                let unauthorised = v.violations.iter().any(|x| {
                    matches!(
                        x,
                        UseViolation::AfterExpiry { .. } | UseViolation::AfterRevocation { .. }
                    )
                });
                for item in items_proven_by(&e.event_type) {
                    let holds = match item {
                        LiabilityItem::MisuseOfSharedData => misuse,
                        LiabilityItem::LossOfControl => unauthorised,
                        _ => true,
                    };
                    if holds {
                        proofs.push((item, who.to_owned()));
                    }
                }
            }
        } else if decode::is::<ThirdPartyEngagement>(e) {
            if let ThirdPartyEvent::ThirdPartyViolationRecorded(v) =
                decode::event::<ThirdPartyEngagement>(e)?
            {
                for item in items_proven_by(&e.event_type) {
                    // 第四十三条 is the contractor's; 第四十一条 the engaging department's.
                    let who = if item == LiabilityItem::ThirdPartyLeak {
                        v.contractor.as_str()
                    } else {
                        v.engaging.as_str()
                    };
                    proofs.push((item, who.to_owned()));
                }
            }
        } else if decode::is::<SecurityIncident>(e) {
            match decode::event::<SecurityIncident>(e)? {
                IncidentEvent::IncidentReported(r) => {
                    let reporter = r.reporter.code.as_str();
                    set_party(tx, e, reporter).await?;
                    if matches!(
                        r.category,
                        IncidentCategory::Leak
                            | IncidentCategory::UnauthorizedAccess
                            | IncidentCategory::Misuse
                    ) {
                        prove_all(&mut proofs, &e.event_type, reporter);
                    }
                }
                IncidentEvent::IncidentInvestigated(i) if i.leak_confirmed => {
                    let reporter = party(tx, e).await?;
                    for item in items_proven_by(&e.event_type) {
                        let who = match (item, &i.responsible) {
                            (LiabilityItem::LossOfControl, _) => Some(reporter.clone()),
                            (LiabilityItem::StaffLeak, ResponsibleParty::Staff { department }) => {
                                Some(department.as_str().to_owned())
                            }
                            (
                                LiabilityItem::ThirdPartyLeak,
                                ResponsibleParty::ThirdParty { contractor, .. },
                            ) => Some(contractor.as_str().to_owned()),
                            _ => None,
                        };
                        if let Some(who) = who {
                            proofs.push((item, who));
                        }
                    }
                }
                _ => {}
            }
        } else if decode::is::<Supervision>(e) {
            match decode::event::<Supervision>(e)? {
                SupervisionEvent::InspectionRecorded(i) => {
                    set_party(tx, e, i.inspected.code.as_str()).await?;
                }
                SupervisionEvent::RectificationRejected(_) => {
                    let party = party(tx, e).await?;
                    prove_all(&mut proofs, &e.event_type, &party);
                }
                SupervisionEvent::PublicCriticismIssued(c) => {
                    prove_all(&mut proofs, &e.event_type, c.department.code.as_str());
                }
                _ => {}
            }
        }
        for (item, department) in proofs {
            record(tx, e, item, &department, None).await?;
        }
        Ok(())
    }
}

fn prove_all(proofs: &mut Vec<(LiabilityItem, String)>, event_type: &str, department: &str) {
    proofs.extend(
        items_proven_by(event_type)
            .into_iter()
            .map(|item| (item, department.to_owned())),
    );
}

async fn deadline(tx: &mut Tx<'_>, e: &RecordedEvent, fact: DeadlineFact) -> Result<()> {
    let kind = e.stream.aggregate_type.as_str();
    let id = e.stream.aggregate_id.as_str();
    match fact {
        DeadlineFact::Set(d) => {
            tx.execute(
                "INSERT INTO {rules} (aggregate_type, aggregate_id, deadline_id, rule) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (aggregate_type, aggregate_id, deadline_id) \
                 DO UPDATE SET rule = $4",
                &[
                    kind.into(),
                    id.into(),
                    d.id.0.as_str().into(),
                    d.obligation.what.key().into(),
                ],
            )
            .await?;
        }
        DeadlineFact::Missed(m) => {
            let rule = tx
                .query_opt(
                    "SELECT rule FROM {rules} WHERE aggregate_type = $1 AND aggregate_id = $2 \
                     AND deadline_id = $3",
                    &[kind.into(), id.into(), m.id.0.as_str().into()],
                )
                .await?
                .map(|r| r.text(0))
                .transpose()?
                .ok_or_else(|| {
                    ProjectionError::decode(
                        e.position,
                        format!(
                            "deadline {} of {kind} {id} missed before it was set",
                            m.id.0
                        ),
                    )
                })?;
            let parsed: DeadlineRule = parse_json(0, &format!("\"{rule}\""))?;
            for item in items_proven_by_missed(parsed) {
                record(tx, e, item, m.owed_by.as_str(), Some(parsed)).await?;
            }
        }
        DeadlineFact::Met(_)
        | DeadlineFact::Extended(_)
        | DeadlineFact::Recomputed(_)
        | DeadlineFact::Reminded(_) => {}
    }
    Ok(())
}

async fn set_party(tx: &mut Tx<'_>, e: &RecordedEvent, party: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO {parties} (aggregate_type, aggregate_id, party) VALUES ($1, $2, $3) \
         ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET party = $3",
        &[
            e.stream.aggregate_type.as_str().into(),
            e.stream.aggregate_id.as_str().into(),
            party.into(),
        ],
    )
    .await?;
    Ok(())
}

async fn party(tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<String> {
    tx.query_opt(
        "SELECT party FROM {parties} WHERE aggregate_type = $1 AND aggregate_id = $2",
        &[
            e.stream.aggregate_type.as_str().into(),
            e.stream.aggregate_id.as_str().into(),
        ],
    )
    .await?
    .map(|r| r.text(0))
    .transpose()?
    .ok_or_else(|| {
        ProjectionError::decode(
            e.position,
            format!(
                "{} of {} {} names no answerable party",
                e.event_type, e.stream.aggregate_type, e.stream.aggregate_id
            ),
        )
    })
}

async fn record(
    tx: &mut Tx<'_>,
    e: &RecordedEvent,
    item: LiabilityItem,
    department: &str,
    missed: Option<DeadlineRule>,
) -> Result<()> {
    let evidence = evidence_for(item)
        .find(|ev| ev.event_type == e.event_type && ev.missed == missed)
        .map(|ev| ev.condition)
        .unwrap_or_default();
    tx.execute(
        "INSERT INTO {facts} (position, item, citation, event_type, aggregate_type, aggregate_id, \
         department, missed_rule, recorded_at, evidence) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (position, item) DO NOTHING",
        &[
            e.position.into(),
            enum_name(&item).into(),
            item.citation().into(),
            e.event_type.as_str().into(),
            e.stream.aggregate_type.as_str().into(),
            e.stream.aggregate_id.as_str().into(),
            department.into(),
            missed.map(DeadlineRule::key).into(),
            nanos(e.recorded_at).into(),
            evidence.into(),
        ],
    )
    .await?;
    Ok(())
}

/// One recorded fact proving a liability item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiabilityFact {
    /// Position of the event that proves it.
    pub position: Position,
    /// The item proven.
    pub item: LiabilityItem,
    /// Where the item stands in the text, e.g. `第四十一条第(七)项`.
    pub citation: String,
    /// The proving event's type.
    pub event_type: String,
    /// The case the event belongs to.
    pub case: StreamId,
    /// The department answerable (for a contractor's leak, 第四十三条, the contractor).
    pub department: String,
    /// For a missed deadline: the obligation missed (rule key).
    pub missed_rule: Option<String>,
    /// When the event was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The domain mapping's condition: what about the event proves the item.
    pub evidence: String,
}

const COLUMNS: &str = "position, item, citation, event_type, aggregate_type, aggregate_id, department, \
     missed_rule, recorded_at, evidence";

fn fact(r: &Row) -> Result<LiabilityFact> {
    Ok(LiabilityFact {
        position: r.u64(0)?,
        item: parse_json(1, &format!("\"{}\"", r.text(1)?))?,
        citation: r.text(2)?,
        event_type: r.text(3)?,
        case: StreamId::new(r.text(4)?, r.text(5)?),
        department: r.text(6)?,
        missed_rule: r.opt_text(7)?,
        recorded_at: from_nanos(r.i64(8)?),
        evidence: r.text(9)?,
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// Which facts to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiabilityFilter {
    /// Only proving this item.
    pub item: Option<LiabilityItem>,
    /// Only of this answerable department.
    pub department: Option<String>,
    /// Only of this case.
    pub case: Option<StreamId>,
}

/// The facts proving liabilities, in log order (then item), filtered.
pub async fn list(
    db: &ReadDb,
    filter: &LiabilityFilter,
    page: &PageRequest,
) -> Result<Page<LiabilityFact>> {
    ListQuery::new(
        "liabilities.list",
        COLUMNS,
        "facts",
        &[("position", true), ("item", false)],
    )
    .filter_opt("item = ?", filter.item.map(|i| enum_name(&i)))
    .filter_opt("department = ?", filter.department.as_deref())
    .filter_opt(
        "aggregate_type = ?",
        filter.case.as_ref().map(|c| c.aggregate_type.as_str()),
    )
    .filter_opt(
        "aggregate_id = ?",
        filter.case.as_ref().map(|c| c.aggregate_id.as_str()),
    )
    .page(db, &names(db), page, fact, |f| {
        vec![f.position.into(), enum_name(&f.item).into()]
    })
    .await
}

/// What a department is answerable for, in log order.
pub async fn of_department(
    db: &ReadDb,
    department: &str,
    page: &PageRequest,
) -> Result<Page<LiabilityFact>> {
    list(
        db,
        &LiabilityFilter {
            department: Some(department.to_owned()),
            ..LiabilityFilter::default()
        },
        page,
    )
    .await
}

/// The facts proving one item, in log order.
pub async fn proving(
    db: &ReadDb,
    item: LiabilityItem,
    page: &PageRequest,
) -> Result<Page<LiabilityFact>> {
    list(
        db,
        &LiabilityFilter {
            item: Some(item),
            ..LiabilityFilter::default()
        },
        page,
    )
    .await
}
