//! Cross-level routing of a share application (第二十一条).
//!
//! 第二十一条: a city or county department that needs data held across levels or regions applies through its
//! own data authority (本级政务数据主管部门), which applies to the upper-level authority (上一级政务数据主管部门);
//! data of State Council departments (国务院有关部门) is obtained through the provincial authority.
//!
//! A route is the chain of authorities an application passes: the requester's own authority first, then each
//! upper-level authority in turn, ending at the **serving authority**, the one whose jurisdiction holds every
//! requested entry and which runs the 第十九条 steps. The engine resolves the chain from the registry and
//! passes it in the command; the domain checks it here and records it. Each hop (one authority forwarding to
//! the next) is a step with its own deadline, `share_route_forward` (Decision: 3 working days per hop), owed
//! by the forwarding authority.

use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentKind, DepartmentRef, Level};
use crate::error::DomainError;

/// Where the requested data is held, as far as routing is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DataHolder {
    /// A department of this province at any level (its region and level are on its [`DepartmentRef`]).
    Department {
        /// The providing department.
        provider: DepartmentRef,
    },
    /// 国务院有关部门: obtained through the provincial authority (第二十一条).
    StateCouncil {
        /// The State Council department, as the engine names it.
        department: String,
    },
}

/// Checks a route for a requester and the holders of the requested data (第二十一条).
///
/// - the first authority is the requester's own (same region and level);
/// - each next authority is a data authority of the level directly above whose region covers the previous one;
/// - the last (serving) authority's jurisdiction covers every provider, and is the provincial authority
///   when any data is held by a State Council department;
/// - the route is the shortest such chain: no earlier authority already covers every holder.
pub fn check_route(
    requester: &DepartmentRef,
    route: &[DepartmentRef],
    holders: &[DataHolder],
) -> Result<(), DomainError> {
    let Some(first) = route.first() else {
        return Err(DomainError::validation(
            "route",
            "names at least the requester's own authority (第二十一条)",
        ));
    };
    if !first.is_authority_of(&requester.region, requester.level) {
        return Err(DomainError::validation(
            "route",
            format!(
                "{} is not the requester's own data authority (本级政务数据主管部门, 第二十一条)",
                first.code
            ),
        ));
    }
    for pair in route.windows(2) {
        let (lower, upper) = (&pair[0], &pair[1]);
        let is_upper = upper.kind == DepartmentKind::DataAuthority
            && lower.level.upper() == Some(upper.level)
            && upper.region.covers(upper.level, &lower.region);
        if !is_upper {
            return Err(DomainError::validation(
                "route",
                format!(
                    "{} is not the upper-level data authority of {} (上一级政务数据主管部门, 第二十一条)",
                    upper.code, lower.code
                ),
            ));
        }
    }
    let serves_all = |authority: &DepartmentRef| {
        holders.iter().all(|holder| match holder {
            DataHolder::Department { provider } => {
                authority.region.covers(authority.level, &provider.region)
            }
            DataHolder::StateCouncil { .. } => authority.level == Level::Province,
        })
    };
    let serving = route.last().unwrap_or(first);
    if !serves_all(serving) {
        return Err(DomainError::validation(
            "route",
            format!(
                "{} does not hold every requested entry; State Council data goes through the provincial \
                 authority (第二十一条)",
                serving.code
            ),
        ));
    }
    if let Some(early) = route[..route.len() - 1].iter().find(|a| serves_all(a)) {
        return Err(DomainError::validation(
            "route",
            format!(
                "{} already holds every requested entry; the route goes no higher",
                early.code
            ),
        ));
    }
    Ok(())
}
