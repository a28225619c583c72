//! What the scheduler addresses: the command for each aggregate type with deadlines, the department it
//! acts as, and the command ids it derives.

use govshare_domain::catalog::CatalogCommand;
use govshare_domain::incident::IncidentCommand;
use govshare_domain::organization::OrganizationRegistry;
use govshare_domain::share_application::ShareCommand;
use govshare_domain::supervision::SupervisionCommand;
use govshare_domain::verification::VerificationCommand;
use govshare_domain::{
    DeadlineId, DepartmentCode, MarkOverdue, RecomputeDeadlines, RemindDeadline,
};
use govshare_engine::{Command, derived_command_id};
use govshare_store::StreamId;
use uuid::Uuid;

use crate::error::SchedulerError;

/// Namespace of the command ids of `MarkOverdue`.
pub const MARK_OVERDUE: &str = "mark-overdue";
/// Namespace of the command ids of `RecomputeDeadlines`.
pub const RECOMPUTE_DEADLINES: &str = "recompute-deadlines";

/// The command id of `MarkOverdue` for one deadline:
/// `derived_command_id("mark-overdue", "<aggregate type>/<id>/<deadline id>")`. Every instance, and every
/// restart, issues the same id for the same deadline, so the store records the miss once.
///
/// ```
/// use govshare_scheduler::mark_overdue_command_id;
/// use govshare_store::StreamId;
///
/// let case = StreamId::new("ShareApplication", "SA-1");
/// assert_eq!(
///     mark_overdue_command_id(&case, "share_conditional_review#1"),
///     govshare_engine::derived_command_id("mark-overdue", "ShareApplication/SA-1/share_conditional_review#1"),
/// );
/// ```
pub fn mark_overdue_command_id(case: &StreamId, deadline_id: &str) -> Uuid {
    derived_command_id(
        MARK_OVERDUE,
        &format!(
            "{}/{}/{deadline_id}",
            case.aggregate_type, case.aggregate_id
        ),
    )
}

/// The command id of `RecomputeDeadlines` for one aggregate after the arrangements of `years` were
/// loaded: `derived_command_id("recompute-deadlines", "<aggregate type>/<id>/<years ascending, comma
/// separated>")`.
pub fn recompute_command_id(case: &StreamId, years: &[i32]) -> Uuid {
    let years: Vec<String> = years.iter().map(i32::to_string).collect();
    derived_command_id(
        RECOMPUTE_DEADLINES,
        &format!(
            "{}/{}/{}",
            case.aggregate_type,
            case.aggregate_id,
            years.join(",")
        ),
    )
}

/// What the scheduler asks of one deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeadlineAct {
    /// `MarkOverdue` (第四十一条).
    MarkOverdue,
    /// `RemindDeadline` (催办提醒, where the rule set configures reminders).
    Remind,
}

impl DeadlineAct {
    fn command_name(self) -> &'static str {
        match self {
            DeadlineAct::MarkOverdue => "MarkOverdue",
            DeadlineAct::Remind => "RemindDeadline",
        }
    }
}

/// `act` addressed to the aggregate that keeps the deadline.
pub(crate) fn deadline_command(
    case: &StreamId,
    deadline_id: &str,
    act: DeadlineAct,
) -> Result<Command, SchedulerError> {
    let deadline = DeadlineId(deadline_id.to_owned());
    let id = case.aggregate_id.clone();
    // Every aggregate with deadlines takes both commands under the same variant names.
    macro_rules! addressed {
        ($variant:ident, $commands:ident) => {
            Command::$variant {
                id,
                command: match act {
                    DeadlineAct::MarkOverdue => $commands::MarkOverdue(MarkOverdue { deadline }),
                    DeadlineAct::Remind => $commands::RemindDeadline(RemindDeadline { deadline }),
                },
            }
        };
    }
    Ok(match case.aggregate_type.as_str() {
        "CatalogEntry" => addressed!(Catalog, CatalogCommand),
        "ShareApplication" => addressed!(ShareApplication, ShareCommand),
        "Verification" => addressed!(Verification, VerificationCommand),
        "SecurityIncident" => addressed!(Incident, IncidentCommand),
        "Supervision" => addressed!(Supervision, SupervisionCommand),
        other => {
            return Err(SchedulerError::UnsupportedAggregate {
                aggregate_type: other.to_owned(),
                command: act.command_name(),
            });
        }
    })
}

/// `RecomputeDeadlines` addressed to an aggregate with working-day deadlines.
pub(crate) fn recompute(case: &StreamId) -> Result<Command, SchedulerError> {
    let body = RecomputeDeadlines {};
    let id = case.aggregate_id.clone();
    Ok(match case.aggregate_type.as_str() {
        "CatalogEntry" => Command::Catalog {
            id,
            command: CatalogCommand::RecomputeDeadlines(body),
        },
        "ShareApplication" => Command::ShareApplication {
            id,
            command: ShareCommand::RecomputeDeadlines(body),
        },
        "Verification" => Command::Verification {
            id,
            command: VerificationCommand::RecomputeDeadlines(body),
        },
        "Supervision" => Command::Supervision {
            id,
            command: SupervisionCommand::RecomputeDeadlines(body),
        },
        other => {
            return Err(SchedulerError::UnsupportedAggregate {
                aggregate_type: other.to_owned(),
                command: "RecomputeDeadlines",
            });
        }
    })
}

/// The department the scheduler acts as for a deadline owed by `owed_by`: the data authority of the owing
/// department's region (同级政务数据主管部门, 第五条), else the nearest one above it, else the configured
/// fallback. The answer depends only on the registry, so every instance acts as the same department.
pub(crate) fn acting_authority(
    registry: &OrganizationRegistry,
    owed_by: &str,
    fallback: Option<&DepartmentCode>,
) -> Result<DepartmentCode, SchedulerError> {
    let department = DepartmentCode::parse(owed_by)
        .ok()
        .and_then(|code| registry.department(&code).cloned());
    if let Some(department) = department {
        let mut region = registry.region(&department.region);
        // Regions nest at most province → city → county → township; the bound only guards a damaged
        // registry against a loop.
        for _ in 0..8 {
            let Some(r) = region else { break };
            if let Some(authority) = registry.data_authority(&r.code) {
                return Ok(authority.code.clone());
            }
            region = r.parent.as_ref().and_then(|p| registry.region(p));
        }
    }
    fallback
        .cloned()
        .ok_or_else(|| SchedulerError::NoActingAuthority {
            department: owed_by.to_owned(),
        })
}
