//! Share applications (第十九、二十一条), their grants and the uses of the data (第二十二条).

use chrono::{Datelike, Duration};
use govshare_domain::grant::{
    Grant, GrantCommand, GrantStatus, ProvisionFacts, RecordGrantUse, RevokeGrant,
};
use govshare_domain::share_application::{
    AgreeToShare, ConcludeObjection, ForwardToProvider, ForwardToUpperAuthority, ObjectionOutcome,
    ProvideShare, RaiseObjection, RefusalBasis, RefusalBasisKind, RefuseToShare,
    ResubmitShareApplication, ReturnForSupplement, ShareApplicationSubmitted, ShareCommand,
    ShareProvided, SubmitShareApplication, WithdrawShareApplication,
};
use govshare_domain::{DeadlineRule, Role};
use govshare_engine::{Command, requested_entry};

use crate::data::Share;
use crate::error::DemoError;
use crate::needs::{DISMISSED, UPHELD};
use crate::runner::Runner;
use crate::scenario::{GrantInfo, Late, Misuse, Path, ShareStep, Task};

const MATERIALS: [&str; 2] = ["共享需求说明.pdf", "应用场景及数据安全保障措施说明.pdf"];

impl Runner<'_> {
    fn share_command(&self, i: usize, command: ShareCommand) -> Command {
        Command::ShareApplication {
            id: self.cases.shares[i].id.clone(),
            command,
        }
    }

    fn conditional(&self, i: usize) -> bool {
        matches!(self.cases.shares[i].entry.share, Share::Conditional(_))
    }

    fn is_late(&self, i: usize, late: Late) -> bool {
        self.cases.shares[i].late == Some(late)
    }

    pub(crate) async fn share_step(&mut self, i: usize, step: ShareStep) -> Result<(), DemoError> {
        let case = self.cases.shares[i].clone();
        let requester = case.need.requester;
        let label = |what: &str| format!("{} {what}", case.id);
        match step {
            ShareStep::Submit => {
                let today = self.today();
                let until = today
                    .with_year(today.year() + 1)
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(today);
                let mut scenario = case.scenario.clone();
                scenario.use_from = today;
                scenario.use_until = until;
                self.cases.shares[i].scenario = scenario.clone();
                let mut materials: Vec<String> =
                    MATERIALS.iter().map(|m| (*m).to_owned()).collect();
                if case.path == Path::Supplement {
                    // The clerk forgot the legal basis of the duty and the security statement.
                    scenario.legal_basis = String::new();
                    materials.truncate(1);
                }
                let recorded = self
                    .exec(
                        requester,
                        Role::Clerk,
                        self.share_command(
                            i,
                            ShareCommand::SubmitShareApplication(SubmitShareApplication {
                                application_id: case.id.clone(),
                                // The engine resolves the entry's facts from the catalog at submission (第十五、十九条).
                                entries: vec![requested_entry(&case.entry.id)],
                                scenario,
                                materials,
                                route: Vec::new(),
                            }),
                        ),
                        || label("提出共享申请"),
                    )
                    .await?;
                let submitted = recorded
                    .events
                    .iter()
                    .find(|e| e.event_type == "ShareApplicationSubmitted")
                    .ok_or_else(|| DemoError::Data(label("没有记录共享申请")))?;
                let submitted: ShareApplicationSubmitted = submitted
                    .payload
                    .deserialize()
                    .map_err(|e| DemoError::Data(label(&e.to_string())))?;
                self.cases.shares[i].route =
                    submitted.route.iter().map(|d| d.code.to_string()).collect();
                match case.path {
                    Path::NotAccepted => Ok(()),
                    Path::Supplement => {
                        let d = self.rng.range(0, 1);
                        self.schedule_in(d, Task::Share(i, ShareStep::ReturnForSupplement))
                    }
                    Path::Withdrawn
                        if !self.conditional(i) || self.cases.shares[i].route.len() > 1 =>
                    {
                        let d = self.rng.range(0, 1);
                        self.schedule_in(d, Task::Share(i, ShareStep::Withdraw))
                    }
                    _ => self.after_receipt(i),
                }
            }
            ShareStep::ReturnForSupplement => {
                let holder = case.route.get(case.hop).cloned().unwrap_or_default();
                self.exec(
                    &holder,
                    Role::Reviewer,
                    self.share_command(
                        i,
                        ShareCommand::ReturnForSupplement(ReturnForSupplement {
                            missing: vec![
                                "应用场景未载明履职的法律法规依据".into(),
                                "未附数据安全保障措施说明".into(),
                            ],
                        }),
                    ),
                    || label("退回补正"),
                )
                .await?;
                let d = self.rng.range(1, 3);
                self.schedule_in(d, Task::Share(i, ShareStep::Resubmit))
            }
            ShareStep::Resubmit => {
                let mut materials: Vec<String> =
                    MATERIALS.iter().map(|m| (*m).to_owned()).collect();
                materials.push("补正说明.pdf".into());
                self.exec(
                    requester,
                    Role::Clerk,
                    self.share_command(
                        i,
                        ShareCommand::ResubmitShareApplication(ResubmitShareApplication {
                            scenario: case.scenario.clone(),
                            materials,
                        }),
                    ),
                    || label("补正后重新提交"),
                )
                .await?;
                self.after_receipt(i)
            }
            ShareStep::ForwardUp => {
                let holder = case.route.get(case.hop).cloned().unwrap_or_default();
                self.exec(
                    &holder,
                    Role::Reviewer,
                    self.share_command(
                        i,
                        ShareCommand::ForwardToUpperAuthority(ForwardToUpperAuthority::default()),
                    ),
                    || label("逐级转报上一级主管部门"),
                )
                .await?;
                self.cases.shares[i].hop += 1;
                if case.path == Path::Withdrawn {
                    let d = self.rng.range(0, 1);
                    return self.schedule_in(d, Task::Share(i, ShareStep::Withdraw));
                }
                self.after_receipt(i)
            }
            ShareStep::ForwardToProvider => {
                let serving = case.route.last().cloned().unwrap_or_default();
                let provider = self.world.dept(&case.entry.provider)?.name.clone();
                self.exec(
                    &serving,
                    Role::Reviewer,
                    self.share_command(
                        i,
                        ShareCommand::ForwardToProvider(ForwardToProvider {
                            review_opinion: format!(
                                "应用场景明确，履职依据充分，申请信息项与用途相符，转{provider}答复"
                            ),
                        }),
                    ),
                    || label("审核并转提供部门"),
                )
                .await?;
                if case.path == Path::Withdrawn {
                    let d = self.rng.range(1, 2);
                    return self.schedule_in(d, Task::Share(i, ShareStep::Withdraw));
                }
                let d = self.delay(
                    DeadlineRule::ShareProviderReply,
                    self.is_late(i, Late::Reply),
                );
                self.schedule_in(d, Task::Share(i, ShareStep::Reply))
            }
            ShareStep::Reply => self.reply(i).await,
            ShareStep::RaiseObjection => {
                let objection = case
                    .need
                    .refusal
                    .map(|r| r.objection)
                    .unwrap_or("申请用途属于本部门法定职责，请协调提供");
                self.exec(
                    requester,
                    Role::Leader,
                    self.share_command(
                        i,
                        ShareCommand::RaiseObjection(RaiseObjection {
                            reasons: objection.into(),
                        }),
                    ),
                    || label("提出异议"),
                )
                .await?;
                let d = self.delay(DeadlineRule::ObjectionCoordination, false);
                self.schedule_in(d, Task::Share(i, ShareStep::Conclude))
            }
            ShareStep::Conclude => {
                let own = case.route.first().cloned().unwrap_or_default();
                let upheld = case.path == Path::ObjectionUpheld;
                self.exec(
                    &own,
                    Role::Leader,
                    self.share_command(
                        i,
                        ShareCommand::ConcludeObjection(ConcludeObjection {
                            outcome: if upheld {
                                ObjectionOutcome::Upheld
                            } else {
                                ObjectionOutcome::Dismissed
                            },
                            conclusion: if upheld { UPHELD } else { DISMISSED }.into(),
                        }),
                    ),
                    || label("作出异议处理结论"),
                )
                .await?;
                if upheld {
                    let d = self.delay(DeadlineRule::ObjectionProvide, false);
                    self.schedule_in(d, Task::Share(i, ShareStep::Provide))?;
                }
                Ok(())
            }
            ShareStep::Provide => {
                let serving = case.route.last().cloned().unwrap_or_default();
                self.cases.grant_no += 1;
                let grant = format!("GR-{}-{:04}", self.today().year(), self.cases.grant_no);
                let recorded = self
                    .exec(
                        &serving,
                        Role::Reviewer,
                        self.share_command(
                            i,
                            ShareCommand::ProvideShare(ProvideShare {
                                grant_id: grant.clone(),
                            }),
                        ),
                        || label("提供数据"),
                    )
                    .await?;
                let provided: ShareProvided = recorded
                    .events
                    .iter()
                    .find(|e| e.event_type == "ShareProvided")
                    .ok_or_else(|| DemoError::Data(label("没有记录数据提供")))?
                    .payload
                    .deserialize()
                    .map_err(|e| DemoError::Data(label(&e.to_string())))?;
                self.cases.shares[i].provision = Some(ProvisionFacts::from(&provided));
                self.cases.shares[i].grant = Some(grant);
                let m = i64::from(self.rng.range(10, 50));
                self.soon(m, Task::Share(i, ShareStep::IssueGrant));
                Ok(())
            }
            ShareStep::IssueGrant => self.grant_after_provision(i).await,
            ShareStep::Use => self.use_grant(i).await,
            ShareStep::Revoke => {
                let serving = case.route.last().cloned().unwrap_or_default();
                let grant = case.grant.clone().unwrap_or_default();
                self.exec(
                    &serving,
                    Role::Reviewer,
                    Command::Grant {
                        id: grant.clone(),
                        command: GrantCommand::RevokeGrant(RevokeGrant {
                            reason: "监测发现超出申请用途使用共享数据，依据第二十二条撤销授权，整改后重新申请".into(),
                        }),
                    },
                    || format!("{grant} 撤销授权"),
                )
                .await?;
                Ok(())
            }
            ShareStep::Withdraw => {
                self.exec(
                    requester,
                    Role::Clerk,
                    self.share_command(
                        i,
                        ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
                            reason: "业务系统改造计划调整，需求暂缓，撤回申请".into(),
                        }),
                    ),
                    || label("撤回申请"),
                )
                .await?;
                Ok(())
            }
        }
    }

    /// What the authority now holding the application does next: forward it up the route (第二十一条), or,
    /// at the serving authority, review it (conditional) or provide it (unconditional) (第十九条).
    fn after_receipt(&mut self, i: usize) -> Result<(), DemoError> {
        let case = &self.cases.shares[i];
        if case.hop + 1 < case.route.len() {
            let d = self.delay(
                DeadlineRule::ShareRouteForward,
                self.is_late(i, Late::Forward),
            );
            self.schedule_in(d, Task::Share(i, ShareStep::ForwardUp))
        } else if self.conditional(i) {
            let d = self.delay(
                DeadlineRule::ShareConditionalReview,
                self.is_late(i, Late::Review),
            );
            self.schedule_in(d, Task::Share(i, ShareStep::ForwardToProvider))
        } else {
            let d = self.delay(
                DeadlineRule::ShareUnconditionalProvide,
                self.is_late(i, Late::Provide),
            );
            self.schedule_in(d, Task::Share(i, ShareStep::Provide))
        }
    }

    /// The provider's reply (第十九条): agreement with conditions, or a refusal with reasons and the
    /// provision relied on — after a stock phrase the rules refuse, where the scenario shows it.
    async fn reply(&mut self, i: usize) -> Result<(), DemoError> {
        let case = self.cases.shares[i].clone();
        let provider = case.entry.provider.clone();
        let label = |what: &str| format!("{} {what}", case.id);
        let refuse = matches!(
            case.path,
            Path::Refused | Path::ObjectionUpheld | Path::ObjectionDismissed
        );
        if !refuse {
            let conditions = case.need.conditions.map(str::to_owned);
            self.exec(
                &provider,
                Role::Leader,
                self.share_command(
                    i,
                    ShareCommand::AgreeToShare(AgreeToShare {
                        conditions: conditions.clone(),
                    }),
                ),
                || label("提供部门同意共享"),
            )
            .await?;
            self.cases.shares[i].conditions = conditions;
            let d = self.delay(
                DeadlineRule::ShareProvideAfterReply,
                self.is_late(i, Late::Provide),
            );
            return self.schedule_in(d, Task::Share(i, ShareStep::Provide));
        }
        let refusal = case
            .need
            .refusal
            .ok_or_else(|| DemoError::Data(label("该需求没有拒绝理由")))?;
        if case.stock_phrase_first {
            self.expect_refusal(
                &provider,
                Role::Leader,
                self.share_command(
                    i,
                    ShareCommand::RefuseToShare(RefuseToShare {
                        reasons: "不同意共享。".into(),
                        basis: RefusalBasis {
                            kind: RefusalBasisKind::NationalPolicy,
                            instrument: "有关规定".into(),
                            provision: "相关条款".into(),
                        },
                    }),
                ),
                "以套话拒绝共享 (第十九条：应当说明理由)",
            )
            .await?;
            self.pass(25);
        }
        self.exec(
            &provider,
            Role::Leader,
            self.share_command(
                i,
                ShareCommand::RefuseToShare(RefuseToShare {
                    reasons: refusal.reasons.into(),
                    basis: RefusalBasis {
                        kind: refusal.kind,
                        instrument: refusal.instrument.into(),
                        provision: refusal.provision.into(),
                    },
                }),
            ),
            || label("提供部门不同意共享并说明理由"),
        )
        .await?;
        if matches!(case.path, Path::ObjectionUpheld | Path::ObjectionDismissed) {
            let d = self.rng.range(1, 3);
            self.schedule_in(d, Task::Share(i, ShareStep::RaiseObjection))?;
        }
        Ok(())
    }

    /// 第十九、二十二条: the grant follows the provision. The platform's policy "provision issues the grant"
    /// issues it, acting as the serving authority in the scheduler's role, under an id derived from the
    /// provision's position; the demo runs the policy's pass here, some minutes after the provision (a pass
    /// issues the grant of every provision recorded so far), then checks that this case's grant is in force.
    async fn grant_after_provision(&mut self, i: usize) -> Result<(), DemoError> {
        let case = self.cases.shares[i].clone();
        let grant = case.grant.clone().unwrap_or_default();
        let step = || format!("{grant} 授权使用 (第二十二条)");
        let report = self
            .grant_policy
            .pass()
            .await
            .map_err(|source| DemoError::Policy {
                step: step(),
                source,
            })?;
        if let Some(refused) = report
            .deferred
            .or_else(|| report.refused.into_iter().next())
        {
            return Err(DemoError::Policy {
                step: step(),
                source: refused.error,
            });
        }
        for issued in &report.issued {
            self.commands += 1;
            self.watch(&issued.recorded)?;
        }
        let (state, _) =
            self.engine
                .load::<Grant>(&grant)
                .await
                .map_err(|source| DemoError::Engine {
                    step: step(),
                    source,
                })?;
        if state.status() != GrantStatus::Active {
            return Err(DemoError::Data(format!(
                "{} 提供数据后没有签发授权 {grant}",
                case.id
            )));
        }
        self.cases.grants.push(GrantInfo {
            id: grant,
            requester: case.need.requester.to_owned(),
            provider: case.entry.provider.clone(),
            entry_id: case.entry.id.clone(),
            items: case.scenario.data_items.clone(),
        });
        let d = self.rng.range(2, 6);
        self.schedule_in(d, Task::Share(i, ShareStep::Use))
    }

    /// A use of the granted data, recorded by the grantee (第二十二条); the scenario's misuse, if any, on the
    /// second use.
    async fn use_grant(&mut self, i: usize) -> Result<(), DemoError> {
        let case = self.cases.shares[i].clone();
        let grant = case.grant.clone().unwrap_or_default();
        let n = case.used + 1;
        let misuse = case.misuse.filter(|_| n == 2);
        let mut items = case.scenario.data_items.clone();
        let mut purpose = case.scenario.purpose_code.clone();
        match misuse {
            Some(Misuse::OutsideItems) => {
                if let Some(extra) = case.entry.items.iter().find(|x| !items.contains(x)) {
                    items.push(extra.clone());
                }
            }
            Some(Misuse::OtherPurpose) => purpose = format!("{purpose}-KH"),
            None => {}
        }
        let staff = 1000 + self.rng.range(0, 8999);
        let records = u64::from(self.rng.range(20, 3000));
        let used_at = self.now() - Duration::minutes(i64::from(self.rng.range(30, 180)));
        let requester_name = self.world.dept(case.need.requester)?.name.clone();
        self.exec(
            case.need.requester,
            Role::Clerk,
            Command::Grant {
                id: grant.clone(),
                command: GrantCommand::RecordGrantUse(RecordGrantUse {
                    use_id: format!("{grant}-U{n:03}"),
                    data_items: items,
                    record_count: records,
                    end_user: format!("{requester_name}经办人员（工号{staff}）"),
                    purpose_code: purpose,
                    used_at,
                }),
            },
            || format!("{grant} 第{n}次使用"),
        )
        .await?;
        self.cases.shares[i].used = n;
        if misuse == Some(Misuse::OtherPurpose) {
            let d = self.rng.range(1, 2);
            return self.schedule_in(d, Task::Share(i, ShareStep::Revoke));
        }
        if n < case.uses {
            let d = self.rng.range(3, 10);
            self.schedule_in(d, Task::Share(i, ShareStep::Use))?;
        }
        Ok(())
    }
}
