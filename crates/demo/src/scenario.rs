//! The simulated months: an agenda of steps ordered by time, run on the manual clock. Each case (a share
//! application, a verification request, an incident, a supervision case) is a small state machine whose next
//! step is put on the agenda when the previous one is recorded, on time or deliberately late.

use chrono::{Datelike, Duration, NaiveDate};
use govshare_domain::catalog::CatalogCommand;
use govshare_domain::grant::ProvisionFacts;
use govshare_domain::incident::IncidentCommand;
use govshare_domain::share_application::{ApplicationScenario, ShareCommand};
use govshare_domain::supervision::SupervisionCommand;
use govshare_domain::verification::VerificationCommand;
use govshare_domain::{DeadlineId, MarkOverdue};
use govshare_engine::Command;

use crate::data::Entry;
use crate::error::DemoError;
use crate::needs::{NEEDS, Need, ix};
use crate::runner::Runner;
use crate::time::at_time;

/// A share case of the first month: need, path, late step, misuse, start day.
type Showcase = (usize, Path, Option<Late>, Option<Misuse>, u32);

/// The path of 第十九条 a share application is meant to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Path {
    /// Unconditional data, provided.
    Provided,
    /// Conditional data, agreed and provided.
    Agreed,
    /// Conditional data, refused with reasons; the requester accepts it.
    Refused,
    /// Refused, objected to, objection upheld, then provided.
    ObjectionUpheld,
    /// Refused, objected to, objection dismissed.
    ObjectionDismissed,
    /// Withdrawn by the requester.
    Withdrawn,
    /// An entry on the negative list: not accepted (第十五条).
    NotAccepted,
    /// Returned for supplement (no legal basis stated), resubmitted, then provided.
    Supplement,
}

/// A step the scenario lets fall behind its deadline (第四十一条).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Late {
    /// An authority forwards up the route late (第二十一条).
    Forward,
    /// The serving authority reviews late (第十九条).
    Review,
    /// The provider replies late (第十九条).
    Reply,
    /// The serving authority provides late (第十九条).
    Provide,
}

/// A use outside the grant (第二十二条).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Misuse {
    /// Data items that were not granted (扩大使用范围).
    OutsideItems,
    /// Another purpose than the scenario's (改变使用用途).
    OtherPurpose,
}

#[derive(Debug, Clone)]
pub(crate) struct ShareCase {
    pub id: String,
    pub need: Need,
    pub entry: Entry,
    pub path: Path,
    pub late: Option<Late>,
    pub misuse: Option<Misuse>,
    /// Try a stock-phrase refusal first (refused by the rules, 第十九条).
    pub stock_phrase_first: bool,
    pub scenario: ApplicationScenario,
    pub route: Vec<String>,
    /// The index on the route of the authority holding the application.
    pub hop: usize,
    pub conditions: Option<String>,
    /// The recorded provision the grant follows (第二十二条).
    pub provision: Option<ProvisionFacts>,
    pub grant: Option<String>,
    pub uses: u32,
    pub used: u32,
}

/// A grant issued in the demo, for verification requests and incidents to refer to.
#[derive(Debug, Clone)]
pub(crate) struct GrantInfo {
    pub id: String,
    pub requester: String,
    pub provider: String,
    pub entry_id: String,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShareStep {
    Submit,
    Withdraw,
    ReturnForSupplement,
    Resubmit,
    ForwardUp,
    ForwardToProvider,
    Reply,
    RaiseObjection,
    Conclude,
    Provide,
    IssueGrant,
    Use,
    Revoke,
}

#[derive(Debug, Clone)]
pub(crate) struct VerifyCase {
    pub id: String,
    pub grant: GrantInfo,
    /// Ask for an extension (first too long, refused; then within 第二十条's maximum).
    pub extension: bool,
    /// Explain rather than correct, and have the requester dispute the explanation.
    pub disputed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerifyStep {
    File,
    Forward,
    RequestExtension,
    ApproveExtension,
    Answer,
    Accept,
    Dispute,
    Conclude,
}

#[derive(Debug, Clone)]
pub(crate) struct IncidentCase {
    pub id: String,
    pub reporter: String,
    pub grant: Option<GrantInfo>,
    /// Inform and report after the window (第三十四条).
    pub late: bool,
    pub kind: usize,
    pub providers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncidentStep {
    Report,
    Measures,
    Inform,
    ReportTo(usize),
    Investigate,
    Resolve,
    Review,
    Close,
}

#[derive(Debug, Clone)]
pub(crate) struct SuperviseCase {
    pub id: String,
    pub authority: String,
    pub department: String,
    pub findings: Vec<String>,
    pub requirements: String,
    pub working_days: Option<u32>,
    /// Let the rectification deadline pass: overdue, then public criticism (第三十九条).
    pub late: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SuperviseStep {
    Inspect,
    Order,
    Report,
    Criticise,
    Accept,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeStep {
    Record,
    RequestExtension,
    Consent,
    Revise,
    Approve,
}

/// Something to do at a moment of the simulation.
#[derive(Debug, Clone)]
pub(crate) enum Task {
    /// The deadline scheduler's tick.
    Tick,
    /// The start of a simulated month: its cases are put on the agenda.
    Month(u32),
    Share(usize, ShareStep),
    /// Open a verification request on the grant of a share case, once it has one.
    StartVerification {
        case: usize,
        extension: bool,
        disputed: bool,
        tries: u32,
    },
    Verify(usize, VerifyStep),
    /// Open an incident at a grantee (of a share case, once it has a grant).
    StartIncident {
        case: usize,
        late: bool,
        tries: u32,
    },
    Incident(usize, IncidentStep),
    /// Open a supervision case.
    StartSupervision(SuperviseCase),
    Supervise(usize, SuperviseStep),
    /// A catalog change of law or duties (第十一条).
    CatalogChange(ChangeStep),
    /// A change of a collection list (第十四条): apply, then decide.
    CollectionChange {
        decide: bool,
    },
    /// Monthly synchronisation records of physically aggregated entries (第十七条).
    Sync,
    /// Publish the next catalog version (第十条).
    Publish(u32),
}

/// All the cases of a run.
#[derive(Debug, Default)]
pub(crate) struct Cases {
    pub shares: Vec<ShareCase>,
    pub grants: Vec<GrantInfo>,
    pub verifications: Vec<VerifyCase>,
    pub incidents: Vec<IncidentCase>,
    pub supervisions: Vec<SuperviseCase>,
    pub grant_no: u32,
    pub notice_no: u32,
    /// Whether the catalog change has been approved (a new version to publish).
    pub catalog_changed: bool,
}

/// The scheduler's `MarkOverdue` for a deadline of an aggregate of `kind`.
pub(crate) fn mark_overdue(kind: &str, id: &str, deadline: DeadlineId) -> Option<Command> {
    let id = id.to_owned();
    Some(match kind {
        "ShareApplication" => Command::ShareApplication {
            id,
            command: ShareCommand::MarkOverdue(MarkOverdue { deadline }),
        },
        "Verification" => Command::Verification {
            id,
            command: VerificationCommand::MarkOverdue(MarkOverdue { deadline }),
        },
        "SecurityIncident" => Command::Incident {
            id,
            command: IncidentCommand::MarkOverdue(MarkOverdue { deadline }),
        },
        "Supervision" => Command::Supervision {
            id,
            command: SupervisionCommand::MarkOverdue(MarkOverdue { deadline }),
        },
        "CatalogEntry" => Command::Catalog {
            id,
            command: CatalogCommand::MarkOverdue(MarkOverdue { deadline }),
        },
        _ => return None,
    })
}

impl Runner<'_> {
    /// Runs the agenda from now to the end of the period.
    pub(crate) async fn simulate(&mut self) -> Result<(), DemoError> {
        let today = self.today();
        let next = self.workdays().after(today, 1)?;
        self.schedule_at(at_time(next, 8, 30)?, Task::Tick);
        self.schedule_at(at_time(next, 8, 45)?, Task::Month(0));
        while let Some((at, task)) = self.next_task() {
            self.move_to(at);
            self.perform(task).await?;
        }
        Ok(())
    }

    async fn perform(&mut self, task: Task) -> Result<(), DemoError> {
        match task {
            Task::Tick => {
                self.tick().await?;
                let now = self.now();
                let today = self.today();
                let next = if now < at_time(today, 12, 0)? {
                    at_time(today, 13, 30)?
                } else {
                    at_time(self.workdays().after(today, 1)?, 8, 30)?
                };
                self.schedule_at(next, Task::Tick);
                Ok(())
            }
            Task::Month(m) => self.month(m),
            Task::Share(i, step) => self.share_step(i, step).await,
            Task::StartVerification {
                case,
                extension,
                disputed,
                tries,
            } => self.start_verification(case, extension, disputed, tries),
            Task::Verify(i, step) => self.verify_step(i, step).await,
            Task::StartIncident { case, late, tries } => self.start_incident(case, late, tries),
            Task::Incident(i, step) => self.incident_step(i, step).await,
            Task::StartSupervision(case) => {
                self.cases.supervisions.push(case);
                let i = self.cases.supervisions.len() - 1;
                self.supervise_step(i, SuperviseStep::Inspect).await
            }
            Task::Supervise(i, step) => self.supervise_step(i, step).await,
            Task::CatalogChange(step) => self.catalog_change(step).await,
            Task::CollectionChange { decide } => self.collection_change(decide).await,
            Task::Sync => self.sync().await,
            Task::Publish(n) => {
                if self.cases.catalog_changed {
                    self.publish_catalogs(n).await?;
                }
                Ok(())
            }
        }
    }

    /// Working days left in the current month, today included.
    fn working_days_left(&self) -> Result<u32, DemoError> {
        let today = self.today();
        let mut date: NaiveDate = today;
        let mut n = 0;
        while date.month() == today.month() && n < 31 {
            if self.workdays().is_working_day(date) {
                n += 1;
            }
            date = date
                .succ_opt()
                .ok_or_else(|| DemoError::Time(format!("{date} 之后无法表示")))?;
        }
        Ok(n.max(1))
    }

    /// Puts a month's cases on the agenda, and the next month's start.
    fn month(&mut self, m: u32) -> Result<(), DemoError> {
        let first = self.workdays().first_of_next_month(self.today())?;
        self.schedule_at(at_time(first, 8, 45)?, Task::Month(m + 1));
        self.schedule_at(at_time(first, 9, 10)?, Task::Sync);
        let days = self.working_days_left()?;
        let day = |d: u32| d.min(days.saturating_sub(1));
        if m == 0 {
            // Every path of 第十九至二十二条 once, early, so that even a short run shows them all.
            let showcase: [Showcase; 12] = [
                (ix::ID_CHECK, Path::Provided, None, None, 0),
                (
                    ix::PENSION_CERTIFICATION,
                    Path::Agreed,
                    None,
                    Some(Misuse::OutsideItems),
                    0,
                ),
                (ix::PROPERTY, Path::Refused, None, None, 1),
                (ix::ANNUAL_REPORT, Path::ObjectionUpheld, None, None, 1),
                (ix::INDUSTRY_OUTPUT, Path::ObjectionDismissed, None, None, 2),
                (ix::COUNTY_SUBSIDY, Path::Agreed, None, None, 2),
                (ix::CROSS_REGION_MARKET, Path::Provided, None, None, 3),
                (ix::SI_REGISTRATION, Path::Supplement, None, None, 3),
                (ix::EMERGENCY_ADDRESS, Path::Withdrawn, None, None, 4),
                (ix::HEALTH_RECORDS, Path::NotAccepted, None, None, 4),
                (
                    ix::BIRTH_REGISTRATION,
                    Path::Agreed,
                    Some(Late::Reply),
                    None,
                    5,
                ),
                (
                    ix::COUNTY_CREDIT,
                    Path::Provided,
                    Some(Late::Forward),
                    None,
                    5,
                ),
            ];
            for (k, (need, path, late, misuse, start)) in showcase.into_iter().enumerate() {
                let i = self.new_share_case(need, path, late, misuse)?;
                // The objection upheld is the one whose provider first tries a stock phrase.
                if path == Path::ObjectionUpheld {
                    self.cases.shares[i].stock_phrase_first = true;
                }
                if k == 1 {
                    self.cases.shares[i].uses = 3;
                }
                self.schedule_in(day(start), Task::Share(i, ShareStep::Submit))?;
            }
            self.schedule_in(
                12,
                Task::StartVerification {
                    case: 1,
                    extension: true,
                    disputed: false,
                    tries: 0,
                },
            )?;
            self.schedule_in(
                14,
                Task::StartVerification {
                    case: 0,
                    extension: false,
                    disputed: true,
                    tries: 0,
                },
            )?;
            return Ok(());
        }
        if m == 1 {
            self.schedule_in(
                day(2),
                Task::StartIncident {
                    case: 1,
                    late: false,
                    tries: 0,
                },
            )?;
            self.schedule_in(
                day(4),
                Task::StartIncident {
                    case: 5,
                    late: true,
                    tries: 0,
                },
            )?;
        }
        if m == 2 {
            let s1 = self.violation_supervision()?;
            self.schedule_in(day(1), Task::StartSupervision(s1))?;
            let s2 = self.incident_supervision()?;
            self.schedule_in(day(3), Task::StartSupervision(s2))?;
            self.schedule_in(day(5), Task::CollectionChange { decide: false })?;
        }
        if m == 3 {
            self.schedule_in(day(2), Task::CatalogChange(ChangeStep::Record))?;
        }
        if m == 6 {
            self.schedule_in(day(1), Task::Publish(2))?;
        }
        if (m == 5 || m == 9)
            && let Some(case) = self.overdue_supervision()?
        {
            self.schedule_in(day(6), Task::StartSupervision(case))?;
        }
        // The month's ordinary business.
        let n = self.rng.range(4, 7);
        for _ in 0..n {
            let (need, path, late, misuse) = self.random_share();
            let i = self.new_share_case(need, path, late, misuse)?;
            let start = self.rng.range(0, days.saturating_sub(1));
            self.schedule_in(start, Task::Share(i, ShareStep::Submit))?;
        }
        if self.rng.chance(40) && !self.cases.shares.is_empty() {
            let case = self.rng.index(self.cases.shares.len());
            let disputed = self.rng.chance(25);
            let start = self.rng.range(0, days.saturating_sub(1));
            self.schedule_in(
                start,
                Task::StartVerification {
                    case,
                    extension: false,
                    disputed,
                    tries: 0,
                },
            )?;
        }
        if self.rng.chance(20) && !self.cases.shares.is_empty() {
            let case = self.rng.index(self.cases.shares.len());
            let late = self.rng.chance(30);
            let start = self.rng.range(0, days.saturating_sub(1));
            self.schedule_in(
                start,
                Task::StartIncident {
                    case,
                    late,
                    tries: 0,
                },
            )?;
        }
        Ok(())
    }

    /// A need and a path for the month's ordinary business, varied by the seed.
    fn random_share(&mut self) -> (usize, Path, Option<Late>, Option<Misuse>) {
        if self.rng.chance(4) {
            return (ix::HEALTH_RECORDS, Path::NotAccepted, None, None);
        }
        let need = self.rng.index(NEEDS.len() - 1);
        let conditional = need >= ix::PENSION_CERTIFICATION;
        let refusable = NEEDS[need].refusal.is_some();
        let r = self.rng.below(100);
        let path = match (conditional, r) {
            (_, 0..=7) => Path::Withdrawn,
            (_, 8..=15) => Path::Supplement,
            (false, _) => Path::Provided,
            (true, 16..=27) if refusable => Path::Refused,
            (true, 28..=32) if refusable => Path::ObjectionUpheld,
            (true, 33..=36) if refusable => Path::ObjectionDismissed,
            (true, _) => Path::Agreed,
        };
        let late = if self.rng.chance(15) {
            Some(match (conditional, self.rng.below(3)) {
                (false, _) => Late::Provide,
                (true, 0) => Late::Review,
                (true, 1) => Late::Reply,
                (true, _) => Late::Provide,
            })
        } else {
            None
        };
        let misuse = self.rng.chance(4).then_some(Misuse::OtherPurpose);
        (need, path, late, misuse)
    }

    /// Opens a share case for `need`.
    fn new_share_case(
        &mut self,
        need: usize,
        path: Path,
        late: Option<Late>,
        misuse: Option<Misuse>,
    ) -> Result<usize, DemoError> {
        let need = NEEDS
            .get(need)
            .copied()
            .ok_or_else(|| DemoError::Data(format!("没有第 {need} 项共享需求")))?;
        let entry = self.world.entry(need.provider, need.entry)?.clone();
        let n = self.cases.shares.len() + 1;
        let year = self.today().year();
        let requester = self.world.dept(need.requester)?.clone();
        let scenario = ApplicationScenario {
            purpose: need.purpose.into(),
            purpose_code: format!("SC-{}-{}-{year}-{n:03}", requester.region, requester.abbr),
            legal_basis: need.legal_basis.into(),
            business_system: need.system.into(),
            data_items: need.items.iter().map(|s| (*s).to_owned()).collect(),
            // Filled in at submission.
            use_from: self.today(),
            use_until: self.today(),
            expected_frequency: need.frequency.into(),
        };
        let uses = self.rng.range(2, 4);
        self.cases.shares.push(ShareCase {
            id: format!("SA-{year}-{n:04}"),
            need,
            entry,
            path,
            late,
            misuse,
            stock_phrase_first: false,
            scenario,
            route: Vec::new(),
            hop: 0,
            conditions: None,
            provision: None,
            grant: None,
            uses,
            used: 0,
        });
        Ok(self.cases.shares.len() - 1)
    }

    /// A working-day delay for a step owed under `rule`: on time (within the deadline, with a margin) or
    /// late by one to three working days.
    pub(crate) fn delay(&mut self, rule: govshare_domain::DeadlineRule, late: bool) -> u32 {
        let days = self.engine.services().rules.days(rule);
        if late {
            days + self.rng.range(1, 3)
        } else {
            let lo = u32::from(days > 3);
            self.rng.range(lo, days.saturating_sub(1).max(lo))
        }
    }

    /// Puts `task` on the agenda `minutes` from now.
    pub(crate) fn soon(&mut self, minutes: i64, task: Task) {
        let at = self.now() + Duration::minutes(minutes);
        self.schedule_at(at, task);
    }
}
