//! Who may do what: one table, one function, mirrored row by row in `docs/authorization.md`.
//!
//! Every aggregate calls [`authorize`] before deciding anything else; a refusal is a typed [`Forbidden`]
//! naming the [`Rule`] that denied it. The rules follow the division of duties of 第五、六、十、十一、十三、
//! 十四、十五、三十七条: a department acts on its own data, the data authority of the same region and level
//! (同级政务数据主管部门) reviews and decides, the people's government of that level approves the negative
//! list, and the engine's scheduler only records missed deadlines, recomputes provisional ones and, acting as
//! the authority that provided, issues the grant that follows a provision.

use crate::actor::{Actor, DepartmentCode, DepartmentKind, DepartmentRef, Level, RegionCode, Role};
pub use crate::forbidden::{Forbidden, Rule};

/// What an actor attempts. Each command maps to exactly one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Register or change a region or a department in the registry (第五条).
    RegisterOrganization,
    /// Name a department's responsible office (第六条).
    DesignateResponsibleOffice,
    /// Draft, revise or submit a catalog entry, record a catalog change, ask for an extension, register
    /// an entry's aggregation (第九、十一、十六、十七条).
    CompileCatalogEntry,
    /// Record a physical aggregation's synchronisation (第十七条); a commissioned third party may do it.
    RecordAggregationSync,
    /// Approve or return a catalog entry; consent to or refuse an extension (第十一条).
    ReviewCatalogEntry,
    /// Record that a deadline was missed (第四十一条).
    MarkOverdue,
    /// Recompute the open provisional deadlines once a year's holiday arrangement is loaded (digest, "Counting
    /// working days", Decision).
    RecomputeDeadlines,
    /// Remind the owing party of a deadline before its due day, as the rule set configures (催办提醒: an
    /// operational measure, not a duty of the regulation).
    RemindDeadline,
    /// Apply for listing on, or removal from, the negative list (第十五条).
    ApplyNegativeListing,
    /// Review a negative-list application; file the list with the upper-level authority (第十五条).
    ReviewNegativeListing,
    /// Approve or reject a negative-list application (第十五条: 报本级人民政府批准).
    ApproveNegativeListing,
    /// Publish a numbered catalog version (第十条).
    PublishCatalog,
    /// Derive a collection responsibility list; decide on a change to it (第十三、十四条).
    DecideCollectionList,
    /// Apply for a change of one's own collection responsibility list (第十四条).
    ApplyCollectionChange,
    /// Submit, resubmit or withdraw one's own share application, object to its refusal; file, accept or
    /// dispute one's own quality-verification request (第十九、二十条).
    RequestShare,
    /// As the provider, agree to or refuse a forwarded share request; answer a verification request or ask
    /// for its extension (第十九、二十条).
    ReplyToShareRequest,
    /// As a data authority, receive, forward, return, provide and grant share applications, conclude
    /// objections, forward verification requests and decide their extensions and disputes
    /// (第十九至二十二条).
    ServeShareRequest,
    /// Issue the grant that follows a provision (第十九、二十二条): as [`Action::ServeShareRequest`] for the
    /// issuing authority's people; the scheduler role may issue it too, acting as that authority, for the
    /// policy "provision issues the grant" (AUTH-15).
    IssueGrant,
    /// Record a use of shared data against one's own grant (第二十二条); a commissioned third party may.
    RecordGrantUse,
    /// Report and handle one's own data security incident: measures, informing providers, reports to 网信,
    /// 公安 and the data authority, investigation, resolution, review, closure (第三十四条).
    HandleSecurityIncident,
    /// Request, engage and end a third-party contractor engagement of one's own (第三十七条).
    EngageThirdParty,
    /// Record the prior review (事前审核) of one's own engagement, for the responsible office (第六、三十七条).
    ReviewThirdPartyEngagement,
    /// Record a contractor's use of shared data against an engagement (第三十七条: 事中留痕).
    RecordThirdPartyUse,
    /// Record an inspection, order rectification, accept or reject a rectification report (第三十九条).
    Supervise,
    /// Report what one did to rectify (第三十九条).
    ReportRectification,
    /// Issue public criticism (通报批评) after an overdue or rejected rectification (第三十九条).
    IssuePublicCriticism,
    /// Submit one's own city platform plan; record its synchronisation with the provincial platform (第三十一条).
    SubmitCityPlatform,
    /// Approve or reject a city platform plan (第三十一条).
    DecideCityPlatform,
    /// Record data returned (回流) from the provincial platform to a city platform (第三十一条).
    RecordDataReturn,
    /// Grant or revoke an authorized operation (授权运营) (第二十八条).
    GrantAuthorizedOperation,
    /// Record a use of data under an authorized operation (第二十八条).
    RecordOperationUse,
}

/// The thing acted upon, reduced to what authorization needs: whose data or duty it is, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The department whose entry, list or registration it is.
    pub department: DepartmentCode,
    /// Its region.
    pub region: RegionCode,
    /// Its level.
    pub level: Level,
}

impl Subject {
    /// The subject owned by `department`.
    pub fn of(department: &DepartmentRef) -> Self {
        Subject {
            department: department.code.clone(),
            region: department.region.clone(),
            level: department.level,
        }
    }
}

fn deny(rule: Rule, reason: String) -> Result<(), Forbidden> {
    Err(Forbidden { rule, reason })
}

/// Decides whether `actor` may perform `action` on `subject`. The whole table is this function.
pub fn authorize(action: Action, actor: &Actor, subject: &Subject) -> Result<(), Forbidden> {
    let dept = &actor.department;
    let me = &dept.code;

    if matches!(
        action,
        Action::MarkOverdue | Action::RecomputeDeadlines | Action::RemindDeadline
    ) {
        if actor.role != Role::Scheduler {
            let act = match action {
                Action::MarkOverdue => "record a missed deadline",
                Action::RemindDeadline => "remind of a deadline",
                _ => "recompute deadlines",
            };
            return deny(
                Rule::OverdueByScheduler,
                format!("{me} acting as {:?} may not {act}", actor.role),
            );
        }
        return Ok(());
    }
    if action == Action::IssueGrant && actor.role == Role::Scheduler {
        // AUTH-15: the policy "provision issues the grant" acts for the serving authority that provided,
        // and for no one else; the provision's facts are checked by the grant itself (第十九、二十二条).
        if me != &subject.department {
            return deny(
                Rule::GrantFollowsProvision,
                format!(
                    "the scheduler acting as {me} may not issue a grant of {}",
                    subject.department
                ),
            );
        }
        if !dept.is_authority_of(&subject.region, subject.level) {
            return deny(
                Rule::SameLevelAuthority,
                format!(
                    "{me} is not the data authority of {} at {:?} level",
                    subject.region, subject.level
                ),
            );
        }
        return Ok(());
    }
    if actor.role == Role::Scheduler {
        return deny(
            Rule::SchedulerOnlyMarksOverdue,
            format!("the scheduler may not {action:?}"),
        );
    }

    match action {
        Action::MarkOverdue | Action::RecomputeDeadlines | Action::RemindDeadline => Ok(()),
        Action::CompileCatalogEntry
        | Action::ApplyNegativeListing
        | Action::ApplyCollectionChange
        | Action::RequestShare
        | Action::ReplyToShareRequest
        | Action::HandleSecurityIncident
        | Action::EngageThirdParty
        | Action::ReportRectification
        | Action::SubmitCityPlatform => {
            if me != &subject.department {
                return deny(
                    Rule::OwnDepartment,
                    format!("{me} may not {action:?} for {}", subject.department),
                );
            }
            // A contractor holds no government data of its own; it acts only through AUTH-04.
            if dept.kind == DepartmentKind::ThirdParty {
                return deny(
                    Rule::OwnDepartment,
                    format!("third party {me} may not {action:?}"),
                );
            }
            Ok(())
        }
        Action::RecordAggregationSync | Action::RecordThirdPartyUse | Action::RecordGrantUse => {
            let contractor = dept.kind == DepartmentKind::ThirdParty
                && dept.principal.as_ref() == Some(&subject.department);
            if me != &subject.department && !contractor {
                return deny(
                    Rule::ProviderOrContractor,
                    format!(
                        "{me} is neither {} nor a third party it commissioned",
                        subject.department
                    ),
                );
            }
            Ok(())
        }
        Action::ReviewCatalogEntry
        | Action::ReviewNegativeListing
        | Action::PublishCatalog
        | Action::DecideCollectionList
        | Action::Supervise
        | Action::ServeShareRequest
        | Action::IssueGrant => {
            if !dept.is_authority_of(&subject.region, subject.level) {
                return deny(
                    Rule::SameLevelAuthority,
                    format!(
                        "{me} is not the data authority of {} at {:?} level",
                        subject.region, subject.level
                    ),
                );
            }
            decision_role(actor)
        }
        Action::ApproveNegativeListing => {
            let government = dept.kind == DepartmentKind::Government
                && dept.region == subject.region
                && dept.level == subject.level;
            if !government {
                return deny(
                    Rule::SameLevelGovernment,
                    format!("{me} is not the people's government of {}", subject.region),
                );
            }
            if actor.role != Role::Leader {
                return deny(
                    Rule::GovernmentLeader,
                    format!("{:?} may not approve for a government", actor.role),
                );
            }
            Ok(())
        }
        Action::RegisterOrganization => {
            let covers = dept.kind == DepartmentKind::DataAuthority
                && dept.region.covers(dept.level, &subject.region);
            if !covers {
                return deny(
                    Rule::RegistryJurisdiction,
                    format!("{me} has no registry jurisdiction over {}", subject.region),
                );
            }
            decision_role(actor)
        }
        Action::ReviewThirdPartyEngagement => {
            if me != &subject.department || dept.kind == DepartmentKind::ThirdParty {
                return deny(
                    Rule::OwnDepartment,
                    format!("{me} may not review engagements of {}", subject.department),
                );
            }
            match actor.role {
                Role::Reviewer | Role::Leader => Ok(()),
                role => deny(
                    Rule::PriorReviewByOffice,
                    format!("{role:?} may not record the responsible office's prior review"),
                ),
            }
        }
        Action::IssuePublicCriticism => {
            let same_place = dept.region == subject.region && dept.level == subject.level;
            match dept.kind {
                DepartmentKind::DataAuthority if same_place => decision_role(actor),
                DepartmentKind::Government if same_place => {
                    if actor.role == Role::Leader {
                        Ok(())
                    } else {
                        deny(
                            Rule::GovernmentLeader,
                            format!("{:?} may not decide for a government", actor.role),
                        )
                    }
                }
                _ => deny(
                    Rule::CriticismByAuthorityOrGovernment,
                    format!(
                        "{me} is neither the data authority nor the government of {} at {:?} level",
                        subject.region, subject.level
                    ),
                ),
            }
        }
        Action::DecideCityPlatform
        | Action::RecordDataReturn
        | Action::GrantAuthorizedOperation
        | Action::RecordOperationUse => {
            let provincial = dept.kind == DepartmentKind::DataAuthority
                && dept.level == Level::Province
                && dept.region.covers(Level::Province, &subject.region);
            if !provincial {
                return deny(
                    Rule::ProvincialAuthority,
                    format!(
                        "{me} is not the provincial data authority over {}",
                        subject.region
                    ),
                );
            }
            if matches!(
                action,
                Action::DecideCityPlatform | Action::GrantAuthorizedOperation
            ) {
                decision_role(actor)
            } else {
                Ok(())
            }
        }
        Action::DesignateResponsibleOffice => {
            if me != &subject.department {
                return deny(
                    Rule::OwnDepartment,
                    format!(
                        "{me} may not designate the office of {}",
                        subject.department
                    ),
                );
            }
            if actor.role != Role::Leader {
                return deny(
                    Rule::OfficeByLeader,
                    format!("{:?} may not designate the responsible office", actor.role),
                );
            }
            Ok(())
        }
    }
}

fn decision_role(actor: &Actor) -> Result<(), Forbidden> {
    match actor.role {
        Role::Reviewer | Role::Leader => Ok(()),
        role => deny(
            Rule::AuthorityDecisionRole,
            format!("{role:?} may not decide for an authority"),
        ),
    }
}

/// AUTH-11 (第十二条): only the departments assigned a base or thematic category compile entries in it.
/// `assigned` is the configured list for the entry's category; `None` means the category is unassigned
/// (a department's own data), which anyone may compile.
pub fn authorize_category(
    actor: &Actor,
    category: &str,
    assigned: Option<&[DepartmentCode]>,
) -> Result<(), Forbidden> {
    match assigned {
        Some(departments) if !departments.contains(&actor.department.code) => deny(
            Rule::CategoryOwner,
            format!(
                "{} is not assigned the category {category} (第十二条)",
                actor.department.code
            ),
        ),
        _ => Ok(()),
    }
}
