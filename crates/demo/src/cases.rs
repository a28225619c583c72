//! The other cases of the simulation: quality verification (第二十条), security incidents (第三十四条),
//! supervision (第三十九条), a catalog change (第十一条), a collection-list change (第十四条) and the monthly
//! aggregation sync (第十七条).

use chrono::{Datelike, Duration};
use govshare_domain::catalog::{
    ApproveCatalogEntry, CatalogCommand, ChangeCause, ConsentToExtension, RecordCatalogChange,
    RecordSync, RequestUpdateExtension, ReviseCatalogEntry, ShareAttribute, SubmitCatalogEntry,
};
use govshare_domain::collection_list::{
    ApplyCollectionChange, CollectionItem, CollectionListCommand, DecideCollectionChange,
    DuplicationJustification,
};
use govshare_domain::incident::{
    AffectedEntry, CloseIncident, IncidentCategory, IncidentCommand, InformProvider,
    RecordImmediateMeasures, RecordInvestigation, RecordPostIncidentReview, ReportIncident,
    ReportTarget, ReportTargets, ReportToBody, ResolveIncident, ResponsibleParty, Severity,
};
use govshare_domain::supervision::{
    AcceptRectification, IssuePublicCriticism, OrderRectification, RecordInspection,
    ReportRectification, SupervisionCommand,
};
use govshare_domain::verification::{
    AcceptVerificationResult, AnswerVerification, ApproveVerificationExtension,
    ConcludeVerificationDispute, DisputeVerificationResult, FileVerificationRequest,
    ForwardVerificationRequest, RequestVerificationExtension, VerificationCommand,
    VerificationOutcome, VerificationSubject,
};
use govshare_domain::{DeadlineRule, DepartmentKind, Role};
use govshare_engine::Command;

use crate::data::Share;
use crate::error::DemoError;
use crate::runner::Runner;
use crate::scenario::{
    ChangeStep, IncidentCase, IncidentStep, SuperviseCase, SuperviseStep, Task, VerifyCase,
    VerifyStep,
};
use crate::seed::{dept_code, named};

/// Kinds of incident the demo draws from: category, severity, description, measures, findings, whether data
/// leaked.
struct IncidentKind {
    category: IncidentCategory,
    severity: Severity,
    description: &'static str,
    measures: &'static str,
    findings: &'static str,
    leaked: bool,
    staff: bool,
    resolution: &'static str,
}

const INCIDENT_KINDS: [IncidentKind; 4] = [
    IncidentKind {
        category: IncidentCategory::UnauthorizedAccess,
        severity: Severity::Larger,
        description: "业务系统共享数据接口出现异常调用：一个运维账号在2小时内从非常用地址调用核验接口约1.2万次",
        measures: "立即封禁异常地址和相关账号，暂停共享数据接口调用，保全系统和接口日志",
        findings: "经排查系运维账号口令泄露被冒用，异常调用返回的数据未发现对外传播",
        leaked: false,
        staff: false,
        resolution: "修补接口鉴权漏洞，重置全部运维账号口令并启用双因子认证，恢复接口调用",
    },
    IncidentKind {
        category: IncidentCategory::Leak,
        severity: Severity::General,
        description: "工作人员将含共享数据的审核台账拷贝至个人U盘带离办公场所，U盘遗失",
        measures: "立即开展追查，通知相关人员挂失，暂停涉事人员共享数据访问权限",
        findings: "U盘内含共享数据约300条，确认存在泄露风险，系工作人员违反数据管理规定所致",
        leaked: true,
        staff: true,
        resolution: "U盘已找回并销毁数据，对涉事人员作出处理，收回个人存储介质使用权限",
    },
    IncidentKind {
        category: IncidentCategory::Misuse,
        severity: Severity::General,
        description: "内部审计发现个别账号在非办件时段批量查询共享数据，查询用途无法说明",
        measures: "立即冻结相关账号，导出查询日志，约谈涉事人员",
        findings: "系工作人员为私人目的查询，未发现数据对外提供，已按规定处理",
        leaked: false,
        staff: true,
        resolution: "注销涉事账号，对涉事人员作出处理，上线非办件时段查询告警",
    },
    IncidentKind {
        category: IncidentCategory::Tampering,
        severity: Severity::Larger,
        description: "共享数据前置库发现部分记录被异常修改，涉及字段与源库不一致",
        measures: "立即断开前置库与业务系统连接，从源库重新同步数据，保全数据库审计日志",
        findings: "系前置库中间件漏洞被利用，已修补，被修改记录已全部恢复",
        leaked: false,
        staff: false,
        resolution: "修补前置库中间件漏洞，从源库恢复被修改记录，恢复前置库连接",
    },
];

impl Runner<'_> {
    // ----- 第二十条: quality verification -------------------------------------------------------------

    /// Opens a verification request on the grant of share case `case`, once it has one.
    pub(crate) fn start_verification(
        &mut self,
        case: usize,
        extension: bool,
        disputed: bool,
        tries: u32,
    ) -> Result<(), DemoError> {
        let grant = self.grant_of(case);
        let Some(grant) = grant else {
            if tries < 6 {
                self.schedule_in(
                    3,
                    Task::StartVerification {
                        case,
                        extension,
                        disputed,
                        tries: tries + 1,
                    },
                )?;
            }
            return Ok(());
        };
        let id = format!(
            "VR-{}-{:04}",
            self.today().year(),
            self.cases.verifications.len() + 1
        );
        self.cases.verifications.push(VerifyCase {
            id,
            grant,
            extension,
            disputed,
        });
        let i = self.cases.verifications.len() - 1;
        self.schedule_in(0, Task::Verify(i, VerifyStep::File))
    }

    fn grant_of(&self, case: usize) -> Option<crate::scenario::GrantInfo> {
        let grant = self.cases.shares.get(case)?.grant.as_ref()?;
        self.cases.grants.iter().find(|g| &g.id == grant).cloned()
    }

    pub(crate) async fn verify_step(
        &mut self,
        i: usize,
        step: VerifyStep,
    ) -> Result<(), DemoError> {
        let case = self.cases.verifications[i].clone();
        let g = &case.grant;
        let requester = self.world.dept(&g.requester)?.clone();
        let authority = self.world.authority_of(&requester.region);
        let item = g.items.first().cloned().unwrap_or_default();
        let command = |command| Command::Verification {
            id: case.id.clone(),
            command,
        };
        let label = |what: &str| format!("{} {what}", case.id);
        match step {
            VerifyStep::File => {
                let (checked, wrong) = (self.rng.range(200, 800), self.rng.range(3, 25));
                self.exec(
                    &g.requester,
                    Role::Clerk,
                    command(VerificationCommand::FileVerificationRequest(FileVerificationRequest {
                        subject: VerificationSubject::Grant {
                            grant_id: g.id.clone(),
                            entry_id: g.entry_id.clone(),
                        },
                        provider: named(&g.provider)?,
                        authority: named(&authority)?,
                        data_items: vec![item.clone()],
                        defect: format!(
                            "抽查本部门办件中使用的{checked}条共享数据，其中{wrong}条“{item}”与申请人提交的原件不一致"
                        ),
                    })),
                    || label("提出校核申请"),
                )
                .await?;
                let d = self.delay(DeadlineRule::VerificationForward, false);
                self.schedule_in(d, Task::Verify(i, VerifyStep::Forward))
            }
            VerifyStep::Forward => {
                self.exec(
                    &authority,
                    Role::Reviewer,
                    command(VerificationCommand::ForwardVerificationRequest(
                        ForwardVerificationRequest::default(),
                    )),
                    || label("转提供部门校核"),
                )
                .await?;
                if case.extension {
                    let d = self.rng.range(4, 7);
                    self.schedule_in(d, Task::Verify(i, VerifyStep::RequestExtension))
                } else {
                    let d = self.delay(DeadlineRule::VerificationAnswer, false);
                    self.schedule_in(d, Task::Verify(i, VerifyStep::Answer))
                }
            }
            VerifyStep::RequestExtension => {
                let reason =
                    "涉及历史数据逐条比对，需市县两级登记机关协同核查，10个工作日内无法完成";
                let max = self
                    .engine
                    .services()
                    .rules
                    .days(DeadlineRule::VerificationExtensionMax);
                // 第二十条: an extension is at most 10 working days; asking for more is refused.
                self.expect_refusal(
                    &g.provider,
                    Role::Clerk,
                    command(VerificationCommand::RequestVerificationExtension(
                        RequestVerificationExtension {
                            working_days: max + 5,
                            reason: reason.into(),
                        },
                    )),
                    "校核延期超过第二十条规定的上限",
                )
                .await?;
                self.pass(30);
                self.exec(
                    &g.provider,
                    Role::Clerk,
                    command(VerificationCommand::RequestVerificationExtension(
                        RequestVerificationExtension {
                            working_days: 5,
                            reason: reason.into(),
                        },
                    )),
                    || label("申请延长校核期限"),
                )
                .await?;
                let d = self.rng.range(0, 1);
                self.schedule_in(d, Task::Verify(i, VerifyStep::ApproveExtension))
            }
            VerifyStep::ApproveExtension => {
                self.exec(
                    &authority,
                    Role::Reviewer,
                    command(VerificationCommand::ApproveVerificationExtension(
                        ApproveVerificationExtension::default(),
                    )),
                    || label("同意延长校核期限"),
                )
                .await?;
                let d = self.rng.range(5, 8);
                self.schedule_in(d, Task::Verify(i, VerifyStep::Answer))
            }
            VerifyStep::Answer => {
                let outcome = if case.disputed {
                    VerificationOutcome::Explained {
                        explanation: format!(
                            "经核查，共享数据以登记机关最新登记为准，申请人提交的原件为变更登记前的“{item}”，数据无误"
                        ),
                    }
                } else {
                    VerificationOutcome::Corrected {
                        corrections: vec![
                            format!("更正“{item}”错误记录，已同步至共享交换平台"),
                            "增加源头录入比对校验规则".into(),
                        ],
                        explanation: "经核查系源头采集录入错误，已完成修复".into(),
                    }
                };
                self.exec(
                    &g.provider,
                    Role::Clerk,
                    command(VerificationCommand::AnswerVerification(
                        AnswerVerification { outcome },
                    )),
                    || label("反馈校核结果"),
                )
                .await?;
                let d = self.rng.range(1, 3);
                let next = if case.disputed {
                    VerifyStep::Dispute
                } else {
                    VerifyStep::Accept
                };
                self.schedule_in(d, Task::Verify(i, next))
            }
            VerifyStep::Accept => {
                self.exec(
                    &g.requester,
                    Role::Clerk,
                    command(VerificationCommand::AcceptVerificationResult(
                        AcceptVerificationResult::default(),
                    )),
                    || label("接受校核结果"),
                )
                .await?;
                Ok(())
            }
            VerifyStep::Dispute => {
                self.exec(
                    &g.requester,
                    Role::Clerk,
                    command(VerificationCommand::DisputeVerificationResult(
                        DisputeVerificationResult {
                            reasons: "释明未说明变更登记的时间，办件中仍无法判断应以哪份材料为准"
                                .into(),
                        },
                    )),
                    || label("对校核结果有异议"),
                )
                .await?;
                let d = self.rng.range(2, 6);
                self.schedule_in(d, Task::Verify(i, VerifyStep::Conclude))
            }
            VerifyStep::Conclude => {
                self.exec(
                    &authority,
                    Role::Leader,
                    command(VerificationCommand::ConcludeVerificationDispute(ConcludeVerificationDispute {
                        conclusion: "经协调，提供部门在共享数据中增加“变更登记日期”说明，数据本身无误，无需更正".into(),
                        correction_required: false,
                    })),
                    || label("作出校核处理结论"),
                )
                .await?;
                Ok(())
            }
        }
    }

    // ----- 第三十四条: security incidents ---------------------------------------------------------------

    /// Opens an incident at the grantee of share case `case`, once it has a grant.
    pub(crate) fn start_incident(
        &mut self,
        case: usize,
        late: bool,
        tries: u32,
    ) -> Result<(), DemoError> {
        let Some(grant) = self.grant_of(case) else {
            if tries < 6 {
                self.schedule_in(
                    3,
                    Task::StartIncident {
                        case,
                        late,
                        tries: tries + 1,
                    },
                )?;
            }
            return Ok(());
        };
        let kind = if late {
            1
        } else if self.cases.incidents.is_empty() {
            0
        } else {
            self.rng.index(INCIDENT_KINDS.len())
        };
        let providers = if grant.provider == grant.requester {
            Vec::new()
        } else {
            vec![grant.provider.clone()]
        };
        let id = format!(
            "IN-{}-{:04}",
            self.today().year(),
            self.cases.incidents.len() + 1
        );
        self.cases.incidents.push(IncidentCase {
            id,
            reporter: grant.requester.clone(),
            grant: Some(grant),
            late,
            kind,
            providers,
        });
        let i = self.cases.incidents.len() - 1;
        // Detected in the afternoon; reported within the hour.
        let date = self.workdays().after(self.today(), 0)?;
        let at = crate::time::at_time(date, 15, 40)?;
        self.schedule_at(
            at.max(self.now() + Duration::minutes(5)),
            Task::Incident(i, IncidentStep::Report),
        );
        Ok(())
    }

    pub(crate) async fn incident_step(
        &mut self,
        i: usize,
        step: IncidentStep,
    ) -> Result<(), DemoError> {
        let case = self.cases.incidents[i].clone();
        let kind = &INCIDENT_KINDS[case.kind % INCIDENT_KINDS.len()];
        let reporter = self.world.dept(&case.reporter)?.clone();
        let command = |command| Command::Incident {
            id: case.id.clone(),
            command,
        };
        let label = |what: &str| format!("{} {what}", case.id);
        match step {
            IncidentStep::Report => {
                let detected_at = self.now() - Duration::minutes(20);
                let severity = if case.late {
                    Severity::General
                } else {
                    kind.severity
                };
                let affected_entries = match &case.grant {
                    Some(g) => vec![AffectedEntry {
                        entry_id: g.entry_id.clone(),
                        provider: dept_code(&g.provider)?,
                    }],
                    None => Vec::new(),
                };
                let region = &reporter.region;
                self.exec(
                    &case.reporter,
                    Role::Clerk,
                    command(IncidentCommand::ReportIncident(ReportIncident {
                        detected_at,
                        category: kind.category,
                        severity,
                        affected_entries,
                        affected_grants: case.grant.iter().map(|g| g.id.clone()).collect(),
                        personal_information: true,
                        description: kind.description.into(),
                        report_to: ReportTargets {
                            cyberspace: named(&format!("{region}-cyberspace"))?,
                            public_security: named(&format!("{region}-public-security"))?,
                            data_authority: named(&self.world.authority_of(region))?,
                        },
                    })),
                    || label("报告数据安全事件"),
                )
                .await?;
                self.soon(5, Task::Incident(i, IncidentStep::Measures));
                Ok(())
            }
            IncidentStep::Measures => {
                let taken_at = self.now() - Duration::minutes(3);
                self.exec(
                    &case.reporter,
                    Role::Clerk,
                    command(IncidentCommand::RecordImmediateMeasures(
                        RecordImmediateMeasures {
                            measures: kind.measures.into(),
                            taken_at,
                        },
                    )),
                    || label("采取处置措施"),
                )
                .await?;
                // 网信 at once, always; a late case lets the rest slip past the window.
                self.soon(10, Task::Incident(i, IncidentStep::ReportTo(0)));
                Ok(())
            }
            IncidentStep::ReportTo(k) => {
                let Some(&target) = ReportTarget::ALL.get(k) else {
                    return Ok(());
                };
                let (prefix, body) = match target {
                    ReportTarget::Cyberspace => ("WX", "网信部门"),
                    ReportTarget::PublicSecurity => ("GA", "公安机关"),
                    ReportTarget::DataAuthority => ("ZW", "政务数据主管部门"),
                };
                self.exec(
                    &case.reporter,
                    Role::Clerk,
                    command(IncidentCommand::ReportToBody(ReportToBody {
                        target,
                        reference: format!(
                            "{prefix}-{}-{:02}",
                            self.today().format("%Y%m%d"),
                            i + 1
                        ),
                    })),
                    || label(&format!("向{body}报告")),
                )
                .await?;
                if k == 0 {
                    if case.late {
                        // Two working days later, after the scheduler has recorded the misses.
                        self.schedule_in(2, Task::Incident(i, IncidentStep::Inform))?;
                    } else {
                        self.soon(5, Task::Incident(i, IncidentStep::Inform));
                    }
                } else if k + 1 < ReportTarget::ALL.len() {
                    self.soon(5, Task::Incident(i, IncidentStep::ReportTo(k + 1)));
                } else {
                    let d = self.rng.range(2, 4);
                    self.schedule_in(d, Task::Incident(i, IncidentStep::Investigate))?;
                }
                Ok(())
            }
            IncidentStep::Inform => {
                for provider in &case.providers {
                    self.exec(
                        &case.reporter,
                        Role::Clerk,
                        command(IncidentCommand::InformProvider(InformProvider {
                            provider: dept_code(provider)?,
                            channel: "共享交换平台安全事件通知单，并电话告知对方专门机构".into(),
                        })),
                        || label("告知数据提供部门"),
                    )
                    .await?;
                    self.pass(3);
                }
                self.soon(5, Task::Incident(i, IncidentStep::ReportTo(1)));
                Ok(())
            }
            IncidentStep::Investigate => {
                let responsible = if kind.staff || case.late {
                    ResponsibleParty::Staff {
                        department: dept_code(&case.reporter)?,
                    }
                } else {
                    ResponsibleParty::External
                };
                self.exec(
                    &case.reporter,
                    Role::Leader,
                    command(IncidentCommand::RecordInvestigation(RecordInvestigation {
                        findings: kind.findings.into(),
                        leak_confirmed: kind.leaked,
                        responsible,
                    })),
                    || label("记录调查结论"),
                )
                .await?;
                let d = self.rng.range(1, 3);
                self.schedule_in(d, Task::Incident(i, IncidentStep::Resolve))
            }
            IncidentStep::Resolve => {
                self.exec(
                    &case.reporter,
                    Role::Leader,
                    command(IncidentCommand::ResolveIncident(ResolveIncident {
                        resolution: kind.resolution.into(),
                    })),
                    || label("处置完毕"),
                )
                .await?;
                let d = self.rng.range(2, 5);
                self.schedule_in(d, Task::Incident(i, IncidentStep::Review))
            }
            IncidentStep::Review => {
                self.exec(
                    &case.reporter,
                    Role::Leader,
                    command(IncidentCommand::RecordPostIncidentReview(RecordPostIncidentReview {
                        conclusions: "落实共享数据访问最小授权和调用频次告警，开展全员数据安全培训，纳入季度安全检查".into(),
                    })),
                    || label("事后复盘"),
                )
                .await?;
                let d = self.rng.range(1, 2);
                self.schedule_in(d, Task::Incident(i, IncidentStep::Close))
            }
            IncidentStep::Close => {
                self.exec(
                    &case.reporter,
                    Role::Leader,
                    command(IncidentCommand::CloseIncident(CloseIncident::default())),
                    || label("结案"),
                )
                .await?;
                Ok(())
            }
        }
    }

    // ----- 第三十九条: supervision --------------------------------------------------------------------

    fn supervision_id(&self) -> String {
        format!(
            "SV-{}-{:04}",
            self.today().year(),
            self.cases.supervisions.len() + 1
        )
    }

    /// The inspection that follows the first month's use outside a grant (第二十二、三十九条).
    pub(crate) fn violation_supervision(&self) -> Result<SuperviseCase, DemoError> {
        let department = "130000-human-resources".to_owned();
        Ok(SuperviseCase {
            id: self.supervision_id(),
            authority: self.world.authority_of("130000"),
            department,
            findings: vec![
                "超出授权信息项使用共享的户籍人口数据（户籍地址）".into(),
                "共享数据使用记录未按规定留存经办人和用途说明".into(),
            ],
            requirements: "停止超范围使用，清理已获取的超范围数据，完善共享数据使用审批和日志留存制度，并报送整改报告".into(),
            working_days: Some(15),
            late: false,
        })
    }

    /// The inspection that follows the late incident reports (第三十四、三十九条); the department lets the
    /// rectification deadline pass.
    pub(crate) fn incident_supervision(&self) -> Result<SuperviseCase, DemoError> {
        Ok(SuperviseCase {
            id: format!("SV-{}-{:04}", self.today().year(), self.cases.supervisions.len() + 2),
            authority: self.world.authority_of("130102"),
            department: "130102-human-resources".into(),
            findings: vec![
                "数据安全事件未在规定时限内告知提供部门并向公安机关、主管部门报告".into(),
                "工作人员使用个人存储介质处理共享数据".into(),
            ],
            requirements: "建立数据安全事件报告值班制度，禁止使用个人存储介质处理共享数据，开展专项培训并报送整改报告".into(),
            working_days: None,
            late: true,
        })
    }

    /// An inspection of the department with the most missed deadlines so far (第三十九、四十一条), if any.
    pub(crate) fn overdue_supervision(&self) -> Result<Option<SuperviseCase>, DemoError> {
        let supervised: Vec<&str> = self
            .cases
            .supervisions
            .iter()
            .map(|s| s.department.as_str())
            .collect();
        let worst = self
            .missed_by
            .iter()
            .filter(|(d, _)| !supervised.contains(&d.as_str()))
            // 第三十九条: the authority supervises departments; its own misses are for the level above.
            .filter(|(d, _)| {
                self.world.dept(d).is_ok_and(|d| {
                    matches!(
                        d.kind,
                        DepartmentKind::Department | DepartmentKind::PublicSecurity
                    )
                })
            })
            .max_by_key(|(d, n)| (**n, std::cmp::Reverse((*d).clone())));
        let Some((department, missed)) = worst else {
            return Ok(None);
        };
        let dept = self.world.dept(department)?;
        Ok(Some(SuperviseCase {
            id: self.supervision_id(),
            authority: self.world.authority_of(&dept.region),
            department: department.clone(),
            findings: vec![format!("政务数据共享事项办理超期{missed}次")],
            requirements: "梳理共享事项办理流程，明确专人负责，建立到期提醒机制，报送整改报告"
                .into(),
            working_days: Some(10),
            late: false,
        }))
    }

    pub(crate) async fn supervise_step(
        &mut self,
        i: usize,
        step: SuperviseStep,
    ) -> Result<(), DemoError> {
        let case = self.cases.supervisions[i].clone();
        let command = |command| Command::Supervision {
            id: case.id.clone(),
            command,
        };
        let label = |what: &str| format!("{} {what}", case.id);
        match step {
            SuperviseStep::Inspect => {
                self.exec(
                    &case.authority,
                    Role::Reviewer,
                    command(SupervisionCommand::RecordInspection(RecordInspection {
                        inspected: named(&case.department)?,
                        inspected_on: self.today(),
                        findings: case.findings.clone(),
                    })),
                    || label("监督检查"),
                )
                .await?;
                let d = self.rng.range(1, 2);
                self.schedule_in(d, Task::Supervise(i, SuperviseStep::Order))
            }
            SuperviseStep::Order => {
                self.exec(
                    &case.authority,
                    Role::Leader,
                    command(SupervisionCommand::OrderRectification(OrderRectification {
                        requirements: case.requirements.clone(),
                        working_days: case.working_days,
                    })),
                    || label("责令整改"),
                )
                .await?;
                let days = case.working_days.unwrap_or_else(|| {
                    self.engine
                        .services()
                        .rules
                        .days(DeadlineRule::Rectification)
                });
                if case.late {
                    // The deadline passes; the scheduler records it; the authority criticises publicly.
                    self.schedule_in(days + 2, Task::Supervise(i, SuperviseStep::Criticise))
                } else {
                    let d = self.rng.range(days / 2, days.saturating_sub(1));
                    self.schedule_in(d, Task::Supervise(i, SuperviseStep::Report))
                }
            }
            SuperviseStep::Criticise => {
                self.cases.notice_no += 1;
                let authority = self.world.dept(&case.authority)?.name.clone();
                let department = self.world.dept(&case.department)?.name.clone();
                self.exec(
                    &case.authority,
                    Role::Leader,
                    command(SupervisionCommand::IssuePublicCriticism(IssuePublicCriticism {
                        reference: format!("{authority}通报〔{}〕{}号", self.today().year(), self.cases.notice_no),
                        content: format!("{department}未在规定期限内完成整改并报送整改情况，予以通报批评，限期整改到位"),
                    })),
                    || label("通报批评"),
                )
                .await?;
                let d = self.rng.range(1, 3);
                self.schedule_in(d, Task::Supervise(i, SuperviseStep::Report))
            }
            SuperviseStep::Report => {
                self.exec(
                    &case.department,
                    Role::Leader,
                    command(SupervisionCommand::ReportRectification(ReportRectification {
                        measures: "已按要求完成整改：修订数据管理制度，清理超范围数据，完成专项培训，建立到期提醒和日志审计".into(),
                    })),
                    || label("报告整改情况"),
                )
                .await?;
                let d = self.rng.range(1, 3);
                self.schedule_in(d, Task::Supervise(i, SuperviseStep::Accept))
            }
            SuperviseStep::Accept => {
                self.exec(
                    &case.authority,
                    Role::Reviewer,
                    command(SupervisionCommand::AcceptRectification(
                        AcceptRectification {
                            opinion: "经现场核查，整改措施已落实，同意验收".into(),
                        },
                    )),
                    || label("整改验收"),
                )
                .await?;
                Ok(())
            }
        }
    }

    // ----- 第十一条: a catalog change ------------------------------------------------------------------

    pub(crate) async fn catalog_change(&mut self, step: ChangeStep) -> Result<(), DemoError> {
        let entry = self
            .world
            .entry("130000-market-regulation", "行政处罚信息")?
            .clone();
        let authority = self.world.authority_of(&entry.region);
        let command = |command| Command::Catalog {
            id: entry.id.clone(),
            command,
        };
        let label = |what: &str| format!("{} {what}", entry.name);
        match step {
            ChangeStep::Record => {
                // Recorded a few days after the change; the extension is asked for well before the
                // 10 working days run out (第十一条).
                let changed_on = self.today() - Duration::days(3);
                self.exec(
                    &entry.provider,
                    Role::Clerk,
                    command(CatalogCommand::RecordCatalogChange(RecordCatalogChange {
                        cause: ChangeCause::Duties,
                        description:
                            "机构职能调整：行政处罚信息公示增加处罚依据，并承接信用修复信息归集职责"
                                .into(),
                        changed_on,
                    })),
                    || label("记录目录变化"),
                )
                .await?;
                let d = self.rng.range(1, 2);
                self.schedule_in(d, Task::CatalogChange(ChangeStep::RequestExtension))
            }
            ChangeStep::RequestExtension => {
                self.exec(
                    &entry.provider,
                    Role::Clerk,
                    command(CatalogCommand::RequestUpdateExtension(RequestUpdateExtension {
                        reason: "需同步改造市县两级行政处罚信息报送接口，10个工作日内无法完成目录更新".into(),
                    })),
                    || label("申请延长更新期限"),
                )
                .await?;
                let d = self.rng.range(1, 2);
                self.schedule_in(d, Task::CatalogChange(ChangeStep::Consent))
            }
            ChangeStep::Consent => {
                self.exec(
                    &authority,
                    Role::Reviewer,
                    command(CatalogCommand::ConsentToExtension(
                        ConsentToExtension::default(),
                    )),
                    || label("同意延长更新期限"),
                )
                .await?;
                let d = self.rng.range(8, 14);
                self.schedule_in(d, Task::CatalogChange(ChangeStep::Revise))
            }
            ChangeStep::Revise => {
                let mut revised = entry.clone();
                revised.items.push("处罚依据".into());
                let metadata = self.metadata(&revised, ShareAttribute::Unconditional)?;
                self.exec(
                    &entry.provider,
                    Role::Clerk,
                    command(CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
                        metadata,
                    })),
                    || label("修改目录"),
                )
                .await?;
                self.pass(20);
                self.exec(
                    &entry.provider,
                    Role::Clerk,
                    command(CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                        authority: named(&authority)?,
                    })),
                    || label("报送更新后的目录"),
                )
                .await?;
                let d = self.delay(DeadlineRule::CatalogReview, false);
                self.schedule_in(d, Task::CatalogChange(ChangeStep::Approve))
            }
            ChangeStep::Approve => {
                self.exec(
                    &authority,
                    Role::Reviewer,
                    command(CatalogCommand::ApproveCatalogEntry(
                        ApproveCatalogEntry::default(),
                    )),
                    || label("审核通过更新后的目录"),
                )
                .await?;
                self.entry_versions.insert(entry.id.clone(), 2);
                self.cases.catalog_changed = true;
                Ok(())
            }
        }
    }

    // ----- 第十四条: a collection-list change ------------------------------------------------------------

    pub(crate) async fn collection_change(&mut self, decide: bool) -> Result<(), DemoError> {
        let department = "130000-civil-affairs";
        let authority = self.world.authority_of("130000");
        let id = format!("CL-{department}");
        if decide {
            self.exec(
                &authority,
                Role::Reviewer,
                Command::CollectionList {
                    id,
                    command: CollectionListCommand::DecideCollectionChange(
                        DecideCollectionChange {
                            approve: true,
                            opinion: "变更理由充分，重复采集事项已说明依据，同意变更".into(),
                        },
                    ),
                },
                || "决定采集责任清单变更".into(),
            )
            .await?;
            return Ok(());
        }
        let entry = self.world.entry(department, "婚姻登记信息")?.clone();
        let item = "登记类型".to_owned();
        let shared_elsewhere = self.world.entries.iter().any(|e| {
            e.provider != department
                && !matches!(e.share, Share::NotShared(_))
                && e.items.contains(&item)
        });
        let justifications = if shared_elsewhere {
            vec![DuplicationJustification {
                data_item: item.clone(),
                justification: "婚姻登记类型由民政部门在婚姻登记中直接采集，为该信息项的法定源头，其他部门目录中的同名信息项含义不同".into(),
            }]
        } else {
            Vec::new()
        };
        self.exec(
            department,
            Role::Clerk,
            Command::CollectionList {
                id,
                command: CollectionListCommand::ApplyCollectionChange(ApplyCollectionChange {
                    add: vec![CollectionItem {
                        data_item: item,
                        entry_id: entry.id.clone(),
                        entry_version: 1,
                    }],
                    remove: Vec::new(),
                    reason: "婚姻登记工作规范调整，登记类型纳入本部门采集责任".into(),
                    overlaps: Vec::new(),
                    justifications,
                }),
            },
            || "申请变更采集责任清单".into(),
        )
        .await?;
        let d = self.rng.range(1, 3);
        self.schedule_in(d, Task::CollectionChange { decide: true })
    }

    // ----- 第十七条: the monthly sync of physically aggregated data -----------------------------------

    pub(crate) async fn sync(&mut self) -> Result<(), DemoError> {
        let entries: Vec<_> = ["户籍人口基本信息", "市场主体登记基本信息", "居民身份证核验"]
            .iter()
            .filter_map(|name| {
                self.world
                    .entries
                    .iter()
                    .find(|e| e.name == *name && e.region == "130000")
                    .cloned()
            })
            .collect();
        for entry in entries {
            let synced_at = self.now() - Duration::minutes(40);
            self.exec(
                &entry.provider,
                Role::Clerk,
                Command::Catalog {
                    id: entry.id.clone(),
                    command: CatalogCommand::RecordSync(RecordSync { synced_at }),
                },
                || format!("{} 记录汇聚同步", entry.name),
            )
            .await?;
            self.pass(2);
        }
        Ok(())
    }
}
