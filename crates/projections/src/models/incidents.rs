//! Data security incidents (第三十四条) and the timeliness of each report: every incident with its facts
//! and where it stands, and one row per inform (告知提供部门) and report (报告网信、公安、政务数据主管部门)
//! the incident owes, with the body, the window's end, when it was made and whether on time or late (a late
//! one also missed, 第四十一条).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use govshare_domain::DeadlineFact;
use govshare_domain::incident::{
    IncidentEvent, IncidentStatus, ReportTarget, ReportTargets, ResponsibleParty, SecurityIncident,
};
use govshare_store::{Position, RecordedEvent};
use serde::{Deserialize, Serialize};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{
    ListQuery, enum_name, from_nanos, json, load_state, nanos, parse_json, state_text,
};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, Tx};

/// Projection name.
pub const NAME: &str = "incidents";
const TABLES: &[&str] = &["incidents", "reports"];

/// The incidents projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct IncidentsProjection;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Folded {
    incident: SecurityIncident,
    report_to: Option<ReportTargets>,
    severity: String,
    category: String,
    report_within_hours: u32,
    personal_information: bool,
    reported_at: Option<DateTime<Utc>>,
    detected_at: Option<DateTime<Utc>>,
    leak_confirmed: Option<bool>,
    responsible: Option<ResponsibleParty>,
    closed_at: Option<DateTime<Utc>>,
}

const INFORM_PREFIX: &str = "incident_inform_provider:";
const REPORT_PREFIX: &str = "incident_report:";

#[async_trait]
impl Projection for IncidentsProjection {
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
            "CREATE TABLE {incidents} (\
                incident_id TEXT PRIMARY KEY, \
                reporter TEXT NOT NULL, \
                detected_at BIGINT NOT NULL, \
                category TEXT NOT NULL, \
                severity TEXT NOT NULL, \
                report_within_hours BIGINT NOT NULL, \
                personal_information BIGINT NOT NULL, \
                status TEXT NOT NULL, \
                owed BIGINT NOT NULL, \
                late_reports BIGINT NOT NULL, \
                leak_confirmed BIGINT, \
                responsible TEXT, \
                reported_at BIGINT NOT NULL, \
                closed_at BIGINT, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                state TEXT NOT NULL)"
                .into(),
            "CREATE INDEX {incidents}_reporter ON {incidents} (reporter, incident_id)".into(),
            "CREATE TABLE {reports} (\
                incident_id TEXT NOT NULL, \
                deadline_id TEXT NOT NULL, \
                reporter TEXT NOT NULL, \
                kind TEXT NOT NULL, \
                target TEXT NOT NULL, \
                body TEXT NOT NULL, \
                due_at BIGINT NOT NULL, \
                done_at BIGINT, \
                late BIGINT, \
                reference TEXT, \
                done_position BIGINT, \
                missed BIGINT NOT NULL, \
                missed_position BIGINT, \
                set_position BIGINT NOT NULL, \
                PRIMARY KEY (incident_id, deadline_id))"
                .into(),
            "CREATE INDEX {reports}_late ON {reports} (late, reporter, incident_id, deadline_id)"
                .into(),
            "CREATE INDEX {reports}_due ON {reports} (done_at, due_at, incident_id, deadline_id)"
                .into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<SecurityIncident>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let id = e.stream.aggregate_id.as_str();
        let event = decode::event::<SecurityIncident>(e)?;
        let mut f: Folded = load_state(
            tx,
            "SELECT state FROM {incidents} WHERE incident_id = $1",
            id,
        )
        .await?;
        let reporter = f
            .incident
            .reporter()
            .map(|r| r.code.as_str().to_owned())
            .unwrap_or_default();
        match &event {
            IncidentEvent::IncidentReported(r) => {
                f.report_to = Some(r.report_to.clone());
                f.severity = enum_name(&r.severity);
                f.category = enum_name(&r.category);
                f.report_within_hours = r.report_within_hours;
                f.personal_information = r.personal_information;
                f.reported_at = Some(r.at);
                f.detected_at = Some(r.detected_at);
            }
            IncidentEvent::IncidentInvestigated(i) => {
                f.leak_confirmed = Some(i.leak_confirmed);
                f.responsible = Some(i.responsible.clone());
            }
            IncidentEvent::IncidentClosed(c) => f.closed_at = Some(c.at),
            IncidentEvent::ProviderInformed(p) => {
                done(tx, id, &p.deadline.0, p.at, p.late, &p.channel, e.position).await?;
            }
            IncidentEvent::IncidentReportedToBody(r) => {
                done(
                    tx,
                    id,
                    &r.deadline.0,
                    r.at,
                    r.late,
                    &r.reference,
                    e.position,
                )
                .await?;
            }
            _ => {}
        }
        match event.deadline_fact() {
            Some(DeadlineFact::Set(d)) => {
                let deadline = d.id.0.as_str();
                let (kind, target, body) = if let Some(p) = deadline.strip_prefix(INFORM_PREFIX) {
                    ("inform_provider", p.to_owned(), p.to_owned())
                } else if let Some(key) = deadline.strip_prefix(REPORT_PREFIX) {
                    let body = f
                        .report_to
                        .as_ref()
                        .and_then(|t| {
                            ReportTarget::ALL
                                .into_iter()
                                .find(|x| x.key() == key)
                                .map(|x| body_of(t, x))
                        })
                        .unwrap_or_default();
                    ("report_body", key.to_owned(), body)
                } else {
                    ("other", deadline.to_owned(), String::new())
                };
                let owed_by = d.obligation.owed_by.as_str();
                tx.execute(
                    "INSERT INTO {reports} (incident_id, deadline_id, reporter, kind, target, body, \
                     due_at, missed, set_position) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
                    &[
                        id.into(),
                        deadline.into(),
                        owed_by.into(),
                        kind.into(),
                        target.into(),
                        body.into(),
                        nanos(d.due_at).into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
            Some(DeadlineFact::Missed(m)) => {
                tx.execute(
                    "UPDATE {reports} SET missed = 1, missed_position = $3 \
                     WHERE incident_id = $1 AND deadline_id = $2",
                    &[id.into(), m.id.0.as_str().into(), e.position.into()],
                )
                .await?;
            }
            _ => {}
        }
        f.incident.apply(event);
        let (Some(reporter_ref), Some(reported_at)) = (f.incident.reporter(), f.reported_at) else {
            return Err(ProjectionError::decode(
                e.position,
                format!("incident {id} has events before its report"),
            ));
        };
        let reporter = if reporter.is_empty() {
            reporter_ref.code.as_str().to_owned()
        } else {
            reporter
        };
        let detected_at = f.detected_at.unwrap_or(reported_at);
        let owed = f
            .incident
            .deadlines()
            .iter()
            .filter(|d| d.is_open())
            .count() as u64;
        let late = tx
            .query_opt(
                "SELECT COUNT(*) FROM {reports} WHERE incident_id = $1 AND late = 1",
                &[id.into()],
            )
            .await?
            .map(|r| r.i64(0))
            .transpose()?
            .unwrap_or(0);
        tx.execute(
            "INSERT INTO {incidents} (incident_id, reporter, detected_at, category, severity, \
             report_within_hours, personal_information, status, owed, late_reports, leak_confirmed, \
             responsible, reported_at, closed_at, updated_at, last_position, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
             ON CONFLICT (incident_id) DO UPDATE SET reporter = $2, detected_at = $3, category = $4, \
             severity = $5, report_within_hours = $6, personal_information = $7, status = $8, \
             owed = $9, late_reports = $10, leak_confirmed = $11, responsible = $12, \
             reported_at = $13, closed_at = $14, updated_at = $15, last_position = $16, state = $17",
            &[
                id.into(),
                reporter.into(),
                nanos(detected_at).into(),
                f.category.as_str().into(),
                f.severity.as_str().into(),
                f.report_within_hours.into(),
                f.personal_information.into(),
                enum_name(&f.incident.status()).into(),
                owed.into(),
                late.into(),
                f.leak_confirmed.map(i64::from).into(),
                f.responsible.as_ref().map(json).transpose()?.into(),
                nanos(reported_at).into(),
                f.closed_at.map(nanos).into(),
                nanos(e.recorded_at).into(),
                e.position.into(),
                state_text(&f)?.into(),
            ],
        )
        .await?;
        Ok(())
    }
}

fn body_of(targets: &ReportTargets, target: ReportTarget) -> String {
    match target {
        ReportTarget::Cyberspace => targets.cyberspace.code.as_str().to_owned(),
        ReportTarget::PublicSecurity => targets.public_security.code.as_str().to_owned(),
        ReportTarget::DataAuthority => targets.data_authority.code.as_str().to_owned(),
    }
}

async fn done(
    tx: &mut Tx<'_>,
    id: &str,
    deadline: &str,
    at: DateTime<Utc>,
    late: bool,
    reference: &str,
    position: Position,
) -> Result<()> {
    tx.execute(
        "UPDATE {reports} SET done_at = $3, late = $4, reference = $5, done_position = $6 \
         WHERE incident_id = $1 AND deadline_id = $2",
        &[
            id.into(),
            deadline.into(),
            nanos(at).into(),
            late.into(),
            reference.into(),
            position.into(),
        ],
    )
    .await?;
    Ok(())
}

/// An incident as the read model shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct IncidentView {
    /// Incident (aggregate) id.
    pub incident_id: String,
    /// The department that suffered it and owes every inform and report.
    pub reporter: String,
    /// When it was detected (the windows count from here).
    pub detected_at: DateTime<Utc>,
    /// Category (`leak`, `unauthorized_access`, …).
    pub category: String,
    /// Severity (`general`, `larger`, `major`, `especially_major`).
    pub severity: String,
    /// The reporting window in clock hours.
    pub report_within_hours: u32,
    /// Whether personal information is involved.
    pub personal_information: bool,
    /// Where it stands.
    pub status: IncidentStatus,
    /// Informs and reports still owed.
    pub owed: u64,
    /// Informs and reports made late.
    pub late_reports: u64,
    /// The investigation's finding on a leak.
    pub leak_confirmed: Option<bool>,
    /// Who the investigation found responsible (第四十二、四十三条).
    pub responsible: Option<ResponsibleParty>,
    /// When it was reported.
    pub reported_at: DateTime<Utc>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Position of its last event.
    pub last_position: Position,
}

const INCIDENT_COLUMNS: &str = "incident_id, reporter, detected_at, category, severity, \
     report_within_hours, personal_information, status, owed, late_reports, leak_confirmed, responsible, \
     reported_at, closed_at, last_position";

fn incident_view(r: &Row) -> Result<IncidentView> {
    Ok(IncidentView {
        incident_id: r.text(0)?,
        reporter: r.text(1)?,
        detected_at: from_nanos(r.i64(2)?),
        category: r.text(3)?,
        severity: r.text(4)?,
        report_within_hours: u32::try_from(r.i64(5)?).unwrap_or(0),
        personal_information: r.bool(6)?,
        status: parse_json(7, &format!("\"{}\"", r.text(7)?))?,
        owed: r.u64(8)?,
        late_reports: r.u64(9)?,
        leak_confirmed: r.opt_i64(10)?.map(|v| v != 0),
        responsible: r.opt_text(11)?.map(|t| parse_json(11, &t)).transpose()?,
        reported_at: from_nanos(r.i64(12)?),
        closed_at: r.opt_i64(13)?.map(from_nanos),
        last_position: r.u64(14)?,
    })
}

/// Whether an inform or report was made in its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Not made yet (and the window may have passed: see `missed`).
    Outstanding,
    /// Made within the window.
    OnTime,
    /// Made after the window.
    Late,
}

/// One inform or report an incident owes (第三十四条).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReportView {
    /// The incident.
    pub incident_id: String,
    /// The deadline (`incident_report:<target>` or `incident_inform_provider:<code>`).
    pub deadline_id: String,
    /// The department that owes it.
    pub reporter: String,
    /// `report_body` or `inform_provider`.
    pub kind: String,
    /// The body's key (`cyberspace`, `public_security`, `data_authority`) or the provider's code.
    pub target: String,
    /// The department reported to or informed.
    pub body: String,
    /// End of the window.
    pub due_at: DateTime<Utc>,
    /// When it was made.
    pub done_at: Option<DateTime<Utc>>,
    /// On time, late or outstanding.
    pub timeliness: Timeliness,
    /// The report's reference or the inform's channel.
    pub reference: Option<String>,
    /// Position of the inform or report (proves it and its timeliness).
    pub done_position: Option<Position>,
    /// Whether a miss was recorded (第四十一条).
    pub missed: bool,
    /// Position of the `DeadlineMissed` fact.
    pub missed_position: Option<Position>,
}

const REPORT_COLUMNS: &str = "incident_id, deadline_id, reporter, kind, target, body, due_at, done_at, \
     late, reference, done_position, missed, missed_position";

fn report_view(r: &Row) -> Result<ReportView> {
    let done_at = r.opt_i64(7)?.map(from_nanos);
    let timeliness = match (done_at, r.opt_i64(8)?) {
        (None, _) => Timeliness::Outstanding,
        (Some(_), Some(1)) => Timeliness::Late,
        (Some(_), _) => Timeliness::OnTime,
    };
    Ok(ReportView {
        incident_id: r.text(0)?,
        deadline_id: r.text(1)?,
        reporter: r.text(2)?,
        kind: r.text(3)?,
        target: r.text(4)?,
        body: r.text(5)?,
        due_at: from_nanos(r.i64(6)?),
        done_at,
        timeliness,
        reference: r.opt_text(9)?,
        done_position: r.opt_i64(10)?.and_then(|p| u64::try_from(p).ok()),
        missed: r.bool(11)?,
        missed_position: r.opt_i64(12)?.and_then(|p| u64::try_from(p).ok()),
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// One incident.
pub async fn get(db: &ReadDb, incident_id: &str) -> Result<Option<IncidentView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {INCIDENT_COLUMNS} FROM {{incidents}} WHERE incident_id = $1"),
            vec![incident_id.into()],
        )
        .await?;
    rows.first().map(incident_view).transpose()
}

/// Incidents by id, optionally of one reporting department.
pub async fn list(
    db: &ReadDb,
    reporter: Option<&str>,
    page: &PageRequest,
) -> Result<Page<IncidentView>> {
    ListQuery::new(
        "incidents.list",
        INCIDENT_COLUMNS,
        "incidents",
        &[("incident_id", false)],
    )
    .filter_opt("reporter = ?", reporter)
    .page(db, &names(db), page, incident_view, |v| {
        vec![v.incident_id.as_str().into()]
    })
    .await
}

/// The informs and reports of one incident, by deadline id.
pub async fn reports(db: &ReadDb, incident_id: &str) -> Result<Vec<ReportView>> {
    let rows = db
        .query(
            &names(db),
            &format!(
                "SELECT {REPORT_COLUMNS} FROM {{reports}} WHERE incident_id = $1 \
                 ORDER BY deadline_id"
            ),
            vec![incident_id.into()],
        )
        .await?;
    rows.iter().map(report_view).collect()
}

/// Informs and reports made late, optionally of one department, by incident and deadline.
pub async fn late_reports(
    db: &ReadDb,
    reporter: Option<&str>,
    page: &PageRequest,
) -> Result<Page<ReportView>> {
    ListQuery::new(
        "incidents.late",
        REPORT_COLUMNS,
        "reports",
        &[("incident_id", false), ("deadline_id", false)],
    )
    .filter("late = ?", true)
    .filter_opt("reporter = ?", reporter)
    .page(db, &names(db), page, report_view, |v| {
        vec![v.incident_id.as_str().into(), v.deadline_id.as_str().into()]
    })
    .await
}

/// Informs and reports not made yet, soonest window end first.
pub async fn outstanding_reports(db: &ReadDb, page: &PageRequest) -> Result<Page<ReportView>> {
    ListQuery::new(
        "incidents.outstanding",
        REPORT_COLUMNS,
        "reports",
        &[
            ("due_at", true),
            ("incident_id", false),
            ("deadline_id", false),
        ],
    )
    .condition("done_at IS NULL")
    .page(db, &names(db), page, report_view, |v| {
        vec![
            nanos(v.due_at).into(),
            v.incident_id.as_str().into(),
            v.deadline_id.as_str().into(),
        ]
    })
    .await
}
