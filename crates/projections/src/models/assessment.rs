//! Assessment (考核评价, 第三十八条): one row per recorded fact an indicator of the assessment report counts,
//! with the department answerable or credited, its region, the fact's kind and outcome, the case and — for a
//! deadline — the rule key.
//!
//! Deadline outcomes come from the deadline facts of every aggregate (as in the `deadlines` model): a
//! `DeadlineSet` is a `set` row, a `DeadlineExtended` an `extended` row, and the *first* outcome of a deadline
//! is `met_on_time`, `met_late` or `missed`; an act performed after a miss was recorded is `met_after_miss`, so
//! a deadline is counted once whichever way it ended. The other rows come from the events that carry the fact:
//! catalog entries drafted and approved (with the share attribute last submitted), aggregation registered,
//! catalog versions published, share requests received by each provider, provider replies, objections
//! concluded (attributed to the refusing provider), incidents reported, grant uses and violations,
//! rectification reports and rejections (attributed to the inspected department).
//!
//! The model also keeps the registry's departments with their region, so a report can name every
//! department registered in a region. The report itself (`govshare-report`) counts the rows recorded at
//! or before its `as_of` instant, which is why every row carries `recorded_at` and its position.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_domain::DeadlineFact;
use govshare_domain::catalog::{CatalogEntry, CatalogEvent, ShareAttribute};
use govshare_domain::grant::{Grant, GrantEvent};
use govshare_domain::incident::{IncidentEvent, SecurityIncident};
use govshare_domain::organization::{OrganizationEvent, OrganizationRegistry};
use govshare_domain::published_catalog::{PublishedCatalog, PublishedCatalogEvent};
use govshare_domain::share_application::{
    DataHolder, ObjectionOutcome, ShareApplication, ShareEvent,
};
use govshare_domain::supervision::{Supervision, SupervisionEvent};
use govshare_store::{Position, RecordedEvent, StreamId};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{ListQuery, enum_name, from_nanos, nanos};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, Tx};

/// Projection name.
pub const NAME: &str = "assessment";
const TABLES: &[&str] = &["facts", "departments", "cases", "deadlines"];

/// The assessment projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct AssessmentProjection;

/// Event types this model reads besides the deadline facts.
const READ: &[&str] = &[
    "DepartmentRegistered",
    "CatalogEntryDrafted",
    "CatalogEntrySubmitted",
    "CatalogEntryApproved",
    "NotSharedListingRecorded",
    "AggregationRegistered",
    "CatalogVersionPublished",
    "ShareApplicationSubmitted",
    "ProviderAgreed",
    "ProviderRefused",
    "ObjectionConcluded",
    "IncidentReported",
    "GrantIssued",
    "GrantUseRecorded",
    "GrantViolationRecorded",
    "InspectionRecorded",
    "RectificationReported",
    "RectificationRejected",
];

/// The kind of a recorded fact, as stored in the `fact` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactKind {
    /// A deadline fact (`outcome`: `set`, `met_on_time`, `met_late`, `missed`, `met_after_miss`, `extended`;
    /// `rule`: the deadline rule key). Credited to the department that owes the act.
    Deadline,
    /// 第九条: a catalog entry drafted (compiled) by its provider.
    CatalogEntryDrafted,
    /// 第十一条: a catalog entry approved (`outcome`: `shareable` or `not_shared`, the share attribute last
    /// submitted). Credited to the provider.
    CatalogEntryApproved,
    /// 第十五条: an entry placed on the negative list (`outcome`: `not_shared`): no longer shareable until it
    /// is approved again. Credited to the provider.
    CatalogEntryListed,
    /// 第十六条: an aggregation registered for an entry (`outcome`: `first` or `changed`). Credited to the
    /// entry's provider.
    AggregationRegistered,
    /// 第十条: a catalog version published by the authority.
    CatalogVersionPublished,
    /// 第十九条: a share application naming the department as a provider of requested data.
    ShareRequestReceived,
    /// 第十九条: a provider's reply (`outcome`: `agreed` or `refused`).
    ProviderReply,
    /// 第十九条: an objection to a refusal concluded (`outcome`: `upheld` or `dismissed`), attributed to the
    /// refusing provider.
    ObjectionConcluded,
    /// 第三十四条: a security incident reported by the department (`outcome`: its severity).
    IncidentReported,
    /// 第二十二条: a use of a grant recorded, credited to the grantee.
    GrantUse,
    /// 第二十二条: a use outside the grant, attributed to the grantee.
    GrantViolation,
    /// 第三十九条: a rectification reported by the inspected department (`outcome`: `on_time` or `late`).
    RectificationReported,
    /// 第三十九条: a rectification report rejected, attributed to the inspected department.
    RectificationRejected,
}

impl FactKind {
    /// Every kind, in a fixed order.
    pub const ALL: [FactKind; 14] = [
        FactKind::Deadline,
        FactKind::CatalogEntryDrafted,
        FactKind::CatalogEntryApproved,
        FactKind::CatalogEntryListed,
        FactKind::AggregationRegistered,
        FactKind::CatalogVersionPublished,
        FactKind::ShareRequestReceived,
        FactKind::ProviderReply,
        FactKind::ObjectionConcluded,
        FactKind::IncidentReported,
        FactKind::GrantUse,
        FactKind::GrantViolation,
        FactKind::RectificationReported,
        FactKind::RectificationRejected,
    ];

    /// The stored name.
    pub fn key(self) -> &'static str {
        match self {
            FactKind::Deadline => "deadline",
            FactKind::CatalogEntryDrafted => "catalog_entry_drafted",
            FactKind::CatalogEntryApproved => "catalog_entry_approved",
            FactKind::CatalogEntryListed => "catalog_entry_listed",
            FactKind::AggregationRegistered => "aggregation_registered",
            FactKind::CatalogVersionPublished => "catalog_version_published",
            FactKind::ShareRequestReceived => "share_request_received",
            FactKind::ProviderReply => "provider_reply",
            FactKind::ObjectionConcluded => "objection_concluded",
            FactKind::IncidentReported => "incident_reported",
            FactKind::GrantUse => "grant_use",
            FactKind::GrantViolation => "grant_violation",
            FactKind::RectificationReported => "rectification_reported",
            FactKind::RectificationRejected => "rectification_rejected",
        }
    }

    /// The kind stored under `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// Deadline outcomes (`outcome` of a [`FactKind::Deadline`] row).
pub mod outcome {
    /// `DeadlineSet`: the act became owed.
    pub const SET: &str = "set";
    /// The first outcome: met on or before the due instant.
    pub const MET_ON_TIME: &str = "met_on_time";
    /// The first outcome: met after the due instant, no miss recorded before.
    pub const MET_LATE: &str = "met_late";
    /// The first outcome: a miss recorded (第四十一条).
    pub const MISSED: &str = "missed";
    /// Met after a miss was recorded (not a first outcome).
    pub const MET_AFTER_MISS: &str = "met_after_miss";
    /// `DeadlineExtended`: an extension granted.
    pub const EXTENDED: &str = "extended";
}

#[async_trait]
impl Projection for AssessmentProjection {
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
                department TEXT NOT NULL, \
                fact TEXT NOT NULL, \
                region TEXT NOT NULL, \
                outcome TEXT NOT NULL, \
                rule TEXT, \
                aggregate_type TEXT NOT NULL, \
                aggregate_id TEXT NOT NULL, \
                detail TEXT NOT NULL, \
                recorded_at BIGINT NOT NULL, \
                PRIMARY KEY (position, department, fact))"
                .into(),
            "CREATE INDEX {facts}_department ON {facts} (department, position, fact)".into(),
            "CREATE INDEX {facts}_region ON {facts} (region, position)".into(),
            "CREATE TABLE {departments} (\
                code TEXT PRIMARY KEY, \
                name TEXT NOT NULL, \
                region TEXT NOT NULL, \
                kind TEXT NOT NULL, \
                registered_at BIGINT NOT NULL, \
                position BIGINT NOT NULL)"
                .into(),
            "CREATE INDEX {departments}_region ON {departments} (region, code)".into(),
            "CREATE TABLE {cases} (\
                aggregate_type TEXT NOT NULL, \
                aggregate_id TEXT NOT NULL, \
                role TEXT NOT NULL, \
                value TEXT NOT NULL, \
                PRIMARY KEY (aggregate_type, aggregate_id, role))"
                .into(),
            "CREATE TABLE {deadlines} (\
                aggregate_type TEXT NOT NULL, \
                aggregate_id TEXT NOT NULL, \
                deadline_id TEXT NOT NULL, \
                rule TEXT NOT NULL, \
                owed_by TEXT NOT NULL, \
                missed BIGINT NOT NULL, \
                PRIMARY KEY (aggregate_type, aggregate_id, deadline_id))"
                .into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        event.event_type.starts_with("Deadline") || READ.contains(&event.event_type.as_str())
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        if let Some(fact) = decode::deadline_fact(e)? {
            return deadline(tx, e, fact).await;
        }
        if decode::is::<OrganizationRegistry>(e) {
            if let OrganizationEvent::DepartmentRegistered(d) =
                decode::event::<OrganizationRegistry>(e)?
            {
                tx.execute(
                    "INSERT INTO {departments} (code, name, region, kind, registered_at, position) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
                    &[
                        d.code.as_str().into(),
                        d.name.as_str().into(),
                        d.region.as_str().into(),
                        enum_name(&d.kind).into(),
                        nanos(e.recorded_at).into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
        } else if decode::is::<CatalogEntry>(e) {
            match decode::event::<CatalogEntry>(e)? {
                CatalogEvent::CatalogEntryDrafted(d) => {
                    let provider = d.provider.code.as_str();
                    set_case(tx, e, "provider", provider).await?;
                    record(
                        tx,
                        e,
                        provider,
                        FactKind::CatalogEntryDrafted,
                        "drafted",
                        None,
                        "",
                    )
                    .await?;
                }
                CatalogEvent::CatalogEntrySubmitted(s) => {
                    let share = match s.share_attribute {
                        ShareAttribute::NotShared => "not_shared",
                        _ => "shareable",
                    };
                    set_case(tx, e, "share", share).await?;
                }
                CatalogEvent::CatalogEntryApproved(a) => {
                    let provider = case(tx, e, "provider").await?;
                    let share = case(tx, e, "share").await?;
                    if let (Some(provider), Some(share)) = (provider, share) {
                        let version = a.version.to_string();
                        record(
                            tx,
                            e,
                            &provider,
                            FactKind::CatalogEntryApproved,
                            &share,
                            None,
                            &version,
                        )
                        .await?;
                    }
                }
                CatalogEvent::NotSharedListingRecorded(l) => {
                    // Listing makes the data 不予共享 at once (第十五条); a later approval says otherwise.
                    set_case(tx, e, "share", "not_shared").await?;
                    if let Some(provider) = case(tx, e, "provider").await? {
                        record(
                            tx,
                            e,
                            &provider,
                            FactKind::CatalogEntryListed,
                            "not_shared",
                            None,
                            &l.listing_id,
                        )
                        .await?;
                    }
                }
                CatalogEvent::AggregationRegistered(a) => {
                    if let Some(provider) = case(tx, e, "provider").await? {
                        let outcome = if a.previous.is_none() {
                            "first"
                        } else {
                            "changed"
                        };
                        record(
                            tx,
                            e,
                            &provider,
                            FactKind::AggregationRegistered,
                            outcome,
                            None,
                            "",
                        )
                        .await?;
                    }
                }
                _ => {}
            }
        } else if decode::is::<PublishedCatalog>(e) {
            let PublishedCatalogEvent::CatalogVersionPublished(p) =
                decode::event::<PublishedCatalog>(e)?;
            let number = p.number.to_string();
            record(
                tx,
                e,
                p.authority.code.as_str(),
                FactKind::CatalogVersionPublished,
                "published",
                None,
                &number,
            )
            .await?;
        } else if decode::is::<ShareApplication>(e) {
            match decode::event::<ShareApplication>(e)? {
                ShareEvent::ShareApplicationSubmitted(s) => {
                    // One row per provider named, however many of its entries were requested.
                    let mut providers: Vec<&str> = s
                        .entries
                        .iter()
                        .filter_map(|entry| match &entry.holder {
                            DataHolder::Department { provider } => Some(provider.code.as_str()),
                            DataHolder::StateCouncil { .. } => None,
                        })
                        .collect();
                    providers.sort_unstable();
                    providers.dedup();
                    for provider in providers {
                        record(
                            tx,
                            e,
                            provider,
                            FactKind::ShareRequestReceived,
                            "received",
                            None,
                            &s.application_id,
                        )
                        .await?;
                    }
                }
                ShareEvent::ProviderAgreed(a) => {
                    record(
                        tx,
                        e,
                        a.by.department.code.as_str(),
                        FactKind::ProviderReply,
                        "agreed",
                        None,
                        "",
                    )
                    .await?;
                }
                ShareEvent::ProviderRefused(r) => {
                    let provider = r.by.department.code.as_str();
                    set_case(tx, e, "refused_by", provider).await?;
                    record(
                        tx,
                        e,
                        provider,
                        FactKind::ProviderReply,
                        "refused",
                        None,
                        "",
                    )
                    .await?;
                }
                ShareEvent::ObjectionConcluded(c) => {
                    if let Some(provider) = case(tx, e, "refused_by").await? {
                        let outcome = match c.outcome {
                            ObjectionOutcome::Upheld => "upheld",
                            ObjectionOutcome::Dismissed => "dismissed",
                        };
                        record(
                            tx,
                            e,
                            &provider,
                            FactKind::ObjectionConcluded,
                            outcome,
                            None,
                            "",
                        )
                        .await?;
                    }
                }
                _ => {}
            }
        } else if decode::is::<SecurityIncident>(e) {
            if let IncidentEvent::IncidentReported(r) = decode::event::<SecurityIncident>(e)? {
                record(
                    tx,
                    e,
                    r.reporter.code.as_str(),
                    FactKind::IncidentReported,
                    &enum_name(&r.severity),
                    None,
                    "",
                )
                .await?;
            }
        } else if decode::is::<Grant>(e) {
            match decode::event::<Grant>(e)? {
                GrantEvent::GrantIssued(g) => {
                    set_case(tx, e, "grantee", g.grantee.code.as_str()).await?;
                }
                GrantEvent::GrantUseRecorded(u) => {
                    if let Some(grantee) = case(tx, e, "grantee").await? {
                        record(
                            tx,
                            e,
                            &grantee,
                            FactKind::GrantUse,
                            "recorded",
                            None,
                            &u.use_id,
                        )
                        .await?;
                    }
                }
                GrantEvent::GrantViolationRecorded(v) => {
                    record(
                        tx,
                        e,
                        v.attributed_to.as_str(),
                        FactKind::GrantViolation,
                        "violation",
                        None,
                        &v.use_id,
                    )
                    .await?;
                }
                _ => {}
            }
        } else if decode::is::<Supervision>(e) {
            match decode::event::<Supervision>(e)? {
                SupervisionEvent::InspectionRecorded(i) => {
                    set_case(tx, e, "inspected", i.inspected.code.as_str()).await?;
                }
                SupervisionEvent::RectificationReported(r) => {
                    if let Some(inspected) = case(tx, e, "inspected").await? {
                        let outcome = if r.late { "late" } else { "on_time" };
                        let order = r.order.to_string();
                        record(
                            tx,
                            e,
                            &inspected,
                            FactKind::RectificationReported,
                            outcome,
                            None,
                            &order,
                        )
                        .await?;
                    }
                }
                SupervisionEvent::RectificationRejected(r) => {
                    if let Some(inspected) = case(tx, e, "inspected").await? {
                        let order = r.order.to_string();
                        record(
                            tx,
                            e,
                            &inspected,
                            FactKind::RectificationRejected,
                            "rejected",
                            None,
                            &order,
                        )
                        .await?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

async fn deadline(tx: &mut Tx<'_>, e: &RecordedEvent, fact: DeadlineFact) -> Result<()> {
    let kind = e.stream.aggregate_type.as_str();
    let id = e.stream.aggregate_id.as_str();
    match fact {
        DeadlineFact::Set(d) => {
            let rule = d.obligation.what.key();
            let owed_by = d.obligation.owed_by.as_str();
            tx.execute(
                "INSERT INTO {deadlines} (aggregate_type, aggregate_id, deadline_id, rule, owed_by, missed) \
                 VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (aggregate_type, aggregate_id, deadline_id) \
                 DO UPDATE SET rule = $4, owed_by = $5, missed = 0",
                &[
                    kind.into(),
                    id.into(),
                    d.id.0.as_str().into(),
                    rule.into(),
                    owed_by.into(),
                ],
            )
            .await?;
            record(
                tx,
                e,
                owed_by,
                FactKind::Deadline,
                outcome::SET,
                Some(rule),
                &d.id.0,
            )
            .await?;
        }
        DeadlineFact::Met(m) => {
            let Some((rule, _, missed)) = known(tx, e, &m.id.0).await? else {
                return Ok(());
            };
            let outcome = if missed {
                outcome::MET_AFTER_MISS
            } else if m.late {
                outcome::MET_LATE
            } else {
                outcome::MET_ON_TIME
            };
            record(
                tx,
                e,
                m.owed_by.as_str(),
                FactKind::Deadline,
                outcome,
                Some(&rule),
                &m.id.0,
            )
            .await?;
        }
        DeadlineFact::Missed(m) => {
            let Some((rule, _, _)) = known(tx, e, &m.id.0).await? else {
                return Ok(());
            };
            tx.execute(
                "UPDATE {deadlines} SET missed = 1 \
                 WHERE aggregate_type = $1 AND aggregate_id = $2 AND deadline_id = $3",
                &[kind.into(), id.into(), m.id.0.as_str().into()],
            )
            .await?;
            record(
                tx,
                e,
                m.owed_by.as_str(),
                FactKind::Deadline,
                outcome::MISSED,
                Some(&rule),
                &m.id.0,
            )
            .await?;
        }
        DeadlineFact::Extended(x) => {
            let Some((rule, owed_by, _)) = known(tx, e, &x.id.0).await? else {
                return Ok(());
            };
            record(
                tx,
                e,
                &owed_by,
                FactKind::Deadline,
                outcome::EXTENDED,
                Some(&rule),
                &x.id.0,
            )
            .await?;
        }
        // A reminder (an operational measure) counts toward no indicator of 第三十八条.
        DeadlineFact::Recomputed(_) | DeadlineFact::Reminded(_) => {}
    }
    Ok(())
}

/// The rule, owing department and miss flag of a deadline already set; `None` for a deadline this model
/// never saw set (a read model must not stall on one odd fact: it is left out, and the `deadlines` model
/// still shows it).
async fn known(
    tx: &mut Tx<'_>,
    e: &RecordedEvent,
    deadline_id: &str,
) -> Result<Option<(String, String, bool)>> {
    let row = tx
        .query_opt(
            "SELECT rule, owed_by, missed FROM {deadlines} WHERE aggregate_type = $1 \
             AND aggregate_id = $2 AND deadline_id = $3",
            &[
                e.stream.aggregate_type.as_str().into(),
                e.stream.aggregate_id.as_str().into(),
                deadline_id.into(),
            ],
        )
        .await?;
    match row {
        Some(r) => Ok(Some((r.text(0)?, r.text(1)?, r.bool(2)?))),
        None => {
            tracing::warn!(
                position = e.position,
                deadline_id,
                "assessment: {} of a deadline never set; not counted",
                e.event_type
            );
            Ok(None)
        }
    }
}

async fn set_case(tx: &mut Tx<'_>, e: &RecordedEvent, role: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO {cases} (aggregate_type, aggregate_id, role, value) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (aggregate_type, aggregate_id, role) DO UPDATE SET value = $4",
        &[
            e.stream.aggregate_type.as_str().into(),
            e.stream.aggregate_id.as_str().into(),
            role.into(),
            value.into(),
        ],
    )
    .await?;
    Ok(())
}

async fn case(tx: &mut Tx<'_>, e: &RecordedEvent, role: &str) -> Result<Option<String>> {
    tx.query_opt(
        "SELECT value FROM {cases} WHERE aggregate_type = $1 AND aggregate_id = $2 AND role = $3",
        &[
            e.stream.aggregate_type.as_str().into(),
            e.stream.aggregate_id.as_str().into(),
            role.into(),
        ],
    )
    .await?
    .map(|r| r.text(0))
    .transpose()
}

async fn record(
    tx: &mut Tx<'_>,
    e: &RecordedEvent,
    department: &str,
    fact: FactKind,
    outcome: &str,
    rule: Option<&str>,
    detail: &str,
) -> Result<()> {
    // The region as registered; a department unknown to the registry (a State Council body) has none.
    let region = tx
        .query_opt(
            "SELECT region FROM {departments} WHERE code = $1",
            &[department.into()],
        )
        .await?
        .map(|r| r.text(0))
        .transpose()?
        .unwrap_or_default();
    tx.execute(
        "INSERT INTO {facts} (position, department, fact, region, outcome, rule, aggregate_type, \
         aggregate_id, detail, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (position, department, fact) DO NOTHING",
        &[
            e.position.into(),
            department.into(),
            fact.key().into(),
            region.into(),
            outcome.into(),
            rule.into(),
            e.stream.aggregate_type.as_str().into(),
            e.stream.aggregate_id.as_str().into(),
            detail.into(),
            nanos(e.recorded_at).into(),
        ],
    )
    .await?;
    Ok(())
}

/// One recorded fact an assessment indicator counts (第三十八条).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssessmentFact {
    /// Position of the event that records it.
    pub position: Position,
    /// When that event was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The department answerable or credited.
    pub department: String,
    /// Its region as registered (empty for a department the registry does not hold).
    pub region: String,
    /// What kind of fact.
    pub fact: FactKind,
    /// Its outcome (see [`FactKind`] and [`outcome`]).
    pub outcome: String,
    /// For a deadline: the rule key, e.g. `share_provider_reply`.
    pub rule: Option<String>,
    /// The case (aggregate stream).
    pub case: StreamId,
    /// What within the case: the deadline id, the entry version, the application id, the use id, the order.
    pub detail: String,
}

const COLUMNS: &str = "position, department, fact, region, outcome, rule, aggregate_type, aggregate_id, \
     detail, recorded_at";

fn fact(r: &Row) -> Result<AssessmentFact> {
    let kind = r.text(2)?;
    Ok(AssessmentFact {
        position: r.u64(0)?,
        department: r.text(1)?,
        fact: FactKind::from_key(&kind).ok_or_else(|| ProjectionError::Column {
            index: 2,
            detail: format!("unknown assessment fact {kind}"),
        })?,
        region: r.text(3)?,
        outcome: r.text(4)?,
        rule: r.opt_text(5)?,
        case: StreamId::new(r.text(6)?, r.text(7)?),
        detail: r.text(8)?,
        recorded_at: from_nanos(r.i64(9)?),
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// Which facts to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssessmentFilter {
    /// Only of this department.
    pub department: Option<String>,
    /// Only of departments of this region.
    pub region: Option<String>,
    /// Only of this kind.
    pub fact: Option<FactKind>,
    /// Only recorded at or before this instant (a report as of an instant).
    pub recorded_until: Option<DateTime<Utc>>,
}

/// The facts, in log order (then department and kind), filtered.
pub async fn list(
    db: &ReadDb,
    filter: &AssessmentFilter,
    page: &PageRequest,
) -> Result<Page<AssessmentFact>> {
    ListQuery::new(
        "assessment.list",
        COLUMNS,
        "facts",
        &[("position", true), ("department", false), ("fact", false)],
    )
    .filter_opt("department = ?", filter.department.as_deref())
    .filter_opt("region = ?", filter.region.as_deref())
    .filter_opt("fact = ?", filter.fact.map(FactKind::key))
    .filter_opt("recorded_at <= ?", filter.recorded_until.map(nanos))
    .page(db, &names(db), page, fact, |f| {
        vec![
            f.position.into(),
            f.department.as_str().into(),
            f.fact.key().into(),
        ]
    })
    .await
}

/// A department of the registry, as the assessment scopes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssessedDepartment {
    /// Registry code.
    pub code: String,
    /// Name at registration.
    pub name: String,
    /// Region code.
    pub region: String,
    /// Kind (`snake_case` of the domain's `DepartmentKind`).
    pub kind: String,
    /// When it was registered.
    pub registered_at: DateTime<Utc>,
    /// Position of its registration.
    pub position: Position,
}

fn department(r: &Row) -> Result<AssessedDepartment> {
    Ok(AssessedDepartment {
        code: r.text(0)?,
        name: r.text(1)?,
        region: r.text(2)?,
        kind: r.text(3)?,
        registered_at: from_nanos(r.i64(4)?),
        position: r.u64(5)?,
    })
}

/// Which departments to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepartmentFilter {
    /// Only registered in this region (exactly this division code).
    pub region: Option<String>,
    /// Only this department.
    pub code: Option<String>,
    /// Only registered at or before this instant.
    pub registered_until: Option<DateTime<Utc>>,
}

/// Registered departments by code, filtered.
pub async fn departments(
    db: &ReadDb,
    filter: &DepartmentFilter,
    page: &PageRequest,
) -> Result<Page<AssessedDepartment>> {
    ListQuery::new(
        "assessment.departments",
        "code, name, region, kind, registered_at, position",
        "departments",
        &[("code", false)],
    )
    .filter_opt("region = ?", filter.region.as_deref())
    .filter_opt("code = ?", filter.code.as_deref())
    .filter_opt("registered_at <= ?", filter.registered_until.map(nanos))
    .page(db, &names(db), page, department, |d| {
        vec![d.code.as_str().into()]
    })
    .await
}
