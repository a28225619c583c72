//! The rows of the authorization table and the refusal that names one.
//!
//! A leaf module: [`crate::DomainError`] carries a [`Forbidden`] without depending on actors and the table
//! itself ([`crate::authorization`], which re-exports both).

use std::fmt;

use thiserror::Error;

/// A row of the authorization table. [`Rule::id`] is the stable id used in `docs/authorization.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// AUTH-01: the scheduler role may do nothing but record missed deadlines, recompute provisional ones and
    /// remind of deadlines.
    SchedulerOnlyMarksOverdue,
    /// AUTH-02: missed deadlines are recorded, provisional deadlines recomputed and reminders recorded only by
    /// the scheduler (an interested party cannot).
    OverdueByScheduler,
    /// AUTH-03: a department acts only on its own catalog entries, applications and lists.
    OwnDepartment,
    /// AUTH-04: an aggregation sync is recorded by the provider or a third party it commissioned (第三十七条).
    ProviderOrContractor,
    /// AUTH-05: reviews and decisions belong to the data authority of the subject's region and level.
    SameLevelAuthority,
    /// AUTH-06: an authority's decision is taken by a reviewer or leader, not a clerk.
    AuthorityDecisionRole,
    /// AUTH-07: negative-list approval belongs to the people's government of the subject's region and level.
    SameLevelGovernment,
    /// AUTH-08: a government's approval is given by a leader.
    GovernmentLeader,
    /// AUTH-09: the registry is kept by the data authority whose region covers the registered body.
    RegistryJurisdiction,
    /// AUTH-10: a department's responsible office is designated by its leader.
    OfficeByLeader,
    /// AUTH-11: base and thematic catalogs are compiled by the departments the configuration assigns (第十二条).
    CategoryOwner,
    /// AUTH-12: the prior review of a third-party engagement is recorded by a reviewer or leader of the
    /// engaging department, acting for its responsible office (第六、三十七条).
    PriorReviewByOffice,
    /// AUTH-13: public criticism is issued by the data authority of the supervised department's region and
    /// level, or by the people's government of that region and level (第三十九、四十一条).
    CriticismByAuthorityOrGovernment,
    /// AUTH-14: city platform plans, data return and authorized operation belong to the provincial data
    /// authority whose province covers the subject (第二十八、三十一条).
    ProvincialAuthority,
    /// AUTH-15: the scheduler role issues a grant only as the serving authority that provided the
    /// application, following its recorded provision (第十九、二十二条: the policy "provision issues the grant").
    GrantFollowsProvision,
}

impl Rule {
    /// Every rule, in table order.
    pub const ALL: [Rule; 15] = [
        Rule::SchedulerOnlyMarksOverdue,
        Rule::OverdueByScheduler,
        Rule::OwnDepartment,
        Rule::ProviderOrContractor,
        Rule::SameLevelAuthority,
        Rule::AuthorityDecisionRole,
        Rule::SameLevelGovernment,
        Rule::GovernmentLeader,
        Rule::RegistryJurisdiction,
        Rule::OfficeByLeader,
        Rule::CategoryOwner,
        Rule::PriorReviewByOffice,
        Rule::CriticismByAuthorityOrGovernment,
        Rule::ProvincialAuthority,
        Rule::GrantFollowsProvision,
    ];

    /// The stable id, as in `docs/authorization.md`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::SchedulerOnlyMarksOverdue => "AUTH-01",
            Rule::OverdueByScheduler => "AUTH-02",
            Rule::OwnDepartment => "AUTH-03",
            Rule::ProviderOrContractor => "AUTH-04",
            Rule::SameLevelAuthority => "AUTH-05",
            Rule::AuthorityDecisionRole => "AUTH-06",
            Rule::SameLevelGovernment => "AUTH-07",
            Rule::GovernmentLeader => "AUTH-08",
            Rule::RegistryJurisdiction => "AUTH-09",
            Rule::OfficeByLeader => "AUTH-10",
            Rule::CategoryOwner => "AUTH-11",
            Rule::PriorReviewByOffice => "AUTH-12",
            Rule::CriticismByAuthorityOrGovernment => "AUTH-13",
            Rule::ProvincialAuthority => "AUTH-14",
            Rule::GrantFollowsProvision => "AUTH-15",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A refusal: the rule that denied it and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("forbidden by {rule}: {reason}")]
pub struct Forbidden {
    /// The denying rule.
    pub rule: Rule,
    /// A human-readable explanation naming the actor.
    pub reason: String,
}
