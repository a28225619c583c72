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

use crate::actor::{DepartmentCode, DepartmentKind, DepartmentRef, Level};
use crate::error::DomainError;
use crate::organization::OrganizationRegistry;

/// Where the requested data is held, as far as routing is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    let serves_all = |authority: &DepartmentRef| serves_all(authority, holders);
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

/// Whether `authority`'s jurisdiction holds every requested entry: each provider's region lies within it, and
/// State Council data only at the provincial level (第二十一条).
fn serves_all(authority: &DepartmentRef, holders: &[DataHolder]) -> bool {
    holders.iter().all(|holder| match holder {
        DataHolder::Department { provider } => {
            authority.region.covers(authority.level, &provider.region)
        }
        DataHolder::StateCouncil { .. } => authority.level == Level::Province,
    })
}

/// The route of an application by `requester` for data held by `holders` (第二十一条), resolved from the
/// registry: the requester's own data authority (本级政务数据主管部门) first, then each upper-level authority
/// (上一级政务数据主管部门) in turn, ending at the first whose jurisdiction holds every requested entry (the
/// serving authority; the provincial authority for State Council data). This is the chain [`check_route`]
/// accepts; the engine passes it in `SubmitShareApplication::route`.
///
/// Refused when the requester is not registered, no entry is named, an authority on the way is not
/// registered, or no authority of the province holds every entry (data of another province).
pub fn resolve_route(
    registry: &OrganizationRegistry,
    requester: &DepartmentCode,
    holders: &[DataHolder],
) -> Result<Vec<DepartmentRef>, DomainError> {
    let requester = registry.department(requester).ok_or_else(|| {
        DomainError::validation("requester", format!("{requester} is not registered"))
    })?;
    if holders.is_empty() {
        return Err(DomainError::validation(
            "holders",
            "an application names at least one catalog entry (第十九条)",
        ));
    }
    let own = registry
        .data_authority(&requester.region)
        .filter(|a| a.level == requester.level)
        .ok_or_else(|| {
            DomainError::validation(
                "route",
                format!(
                    "no data authority is registered for {} (本级政务数据主管部门, 第二十一条)",
                    requester.region
                ),
            )
        })?;
    let mut route = vec![own.to_ref()];
    // Each step climbs one level (province, city, county), so a route has at most three authorities.
    for _ in 0..3 {
        let Some(last) = route.last() else { break };
        if serves_all(last, holders) {
            return Ok(route);
        }
        let upper = registry
            .region(&last.region)
            .and_then(|r| r.parent.as_ref())
            .and_then(|parent| registry.data_authority(parent))
            .ok_or_else(|| {
                DomainError::validation(
                    "route",
                    format!(
                        "no upper-level data authority above {} holds every requested entry \
                         (上一级政务数据主管部门, 第二十一条)",
                        last.code
                    ),
                )
            })?;
        route.push(upper.to_ref());
    }
    Err(DomainError::validation(
        "route",
        "no data authority of the province holds every requested entry (第二十一条)",
    ))
}
