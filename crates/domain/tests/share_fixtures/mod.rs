//! Fixtures of the sharing tests (第十九至二十二条): requested entries as the engine resolves them from the
//! catalog, scenarios, routes and the commands that build application histories.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use govshare_domain::catalog::ShareAttribute;
use govshare_domain::grant::ProvisionFacts;
use govshare_domain::share_application::DataHolder;
use govshare_domain::share_application::{
    AgreeToShare, ApplicationScenario, ForwardToProvider, ProvideShare, RefusalBasis,
    RefusalBasisKind, RefuseToShare, RequestedEntry, ShareApplication, ShareCommand, ShareEvent,
    SubmitShareApplication,
};
use govshare_domain::{
    Actor, CommandEnvelope, DepartmentKind, DepartmentRef, DomainServices, Level, RuleSet,
};

use crate::common::*;

pub const APP: &str = "share-2026-000123";
pub const GRANT: &str = "grant-2026-000123";
pub const PURPOSE: &str = "SC-130000-WJ-2026-001";

fn local(c: &str, name: &str, kind: DepartmentKind, r: &str, level: Level) -> DepartmentRef {
    DepartmentRef {
        code: code(c),
        name: name.to_owned(),
        kind,
        region: region(r),
        level,
        principal: None,
    }
}

/// 长安区卫生健康局: a county department (第二十一条 routing).
pub fn county_health() -> DepartmentRef {
    local(
        "130102-health",
        "长安区卫生健康局",
        DepartmentKind::Department,
        "130102",
        Level::County,
    )
}

/// 石家庄市卫生健康局: a city department.
pub fn city_health() -> DepartmentRef {
    local(
        "130100-health",
        "石家庄市卫生健康局",
        DepartmentKind::Department,
        "130100",
        Level::City,
    )
}

/// A contractor commissioned by 河北省卫生健康委员会 (第三十七条).
pub fn contractor_of_health() -> DepartmentRef {
    DepartmentRef {
        principal: Some(code("130000-health")),
        ..local(
            "130000-wj-contractor",
            "河北某软件有限公司",
            DepartmentKind::ThirdParty,
            "130000",
            Level::Province,
        )
    }
}

/// 人口基础信息 of 河北省公安厅: conditional.
pub fn population_entry() -> RequestedEntry {
    RequestedEntry {
        entry_id: "catalog-130000-public-security-0001".to_owned(),
        code: "130000-GA-00001".to_owned(),
        name: "人口基础信息".to_owned(),
        version: 1,
        share_attribute: ShareAttribute::Conditional {
            conditions: "用于政务服务身份核验".to_owned(),
        },
        holder: DataHolder::Department {
            provider: province_public_security(),
        },
        items: vec![
            "公民身份号码".to_owned(),
            "姓名".to_owned(),
            "出生日期".to_owned(),
        ],
        negative_listing: None,
    }
}

/// 社会保险参保信息 of 河北省人力资源和社会保障厅: unconditional.
pub fn social_security_entry() -> RequestedEntry {
    RequestedEntry {
        entry_id: "catalog-130000-human-resources-0012".to_owned(),
        code: "130000-RS-00012".to_owned(),
        name: "社会保险参保信息".to_owned(),
        version: 1,
        share_attribute: ShareAttribute::Unconditional,
        holder: DataHolder::Department {
            provider: province_hrss(),
        },
        items: vec!["公民身份号码".to_owned(), "参保状态".to_owned()],
        negative_listing: None,
    }
}

/// 困难群众个案调查原始资料 of 石家庄市民政局: on the negative list (第十五条).
pub fn listed_entry() -> RequestedEntry {
    RequestedEntry {
        entry_id: "catalog-130100-civil-affairs-0007".to_owned(),
        code: "130100-MZ-00007".to_owned(),
        name: "困难群众个案调查原始资料".to_owned(),
        version: 2,
        share_attribute: ShareAttribute::NotShared,
        holder: DataHolder::Department {
            provider: city_civil_affairs(),
        },
        items: vec!["个案编号".to_owned()],
        negative_listing: Some("negative-list-130100-0003".to_owned()),
    }
}

pub fn scenario(items: &[&str]) -> ApplicationScenario {
    ApplicationScenario {
        purpose: "医疗救助对象身份核验".to_owned(),
        purpose_code: PURPOSE.to_owned(),
        legal_basis: "《社会救助暂行办法》第二十八条".to_owned(),
        business_system: "河北省医疗救助管理系统".to_owned(),
        data_items: items.iter().map(|s| (*s).to_owned()).collect(),
        use_from: date(2026, 3, 1),
        use_until: date(2026, 12, 31),
        expected_frequency: "每日约2000次".to_owned(),
    }
}

pub fn submit_body(
    entries: Vec<RequestedEntry>,
    items: &[&str],
    route: Vec<DepartmentRef>,
) -> ShareCommand {
    ShareCommand::SubmitShareApplication(SubmitShareApplication {
        application_id: APP.to_owned(),
        entries,
        scenario: scenario(items),
        materials: vec!["共享需求说明.pdf".to_owned()],
        route,
    })
}

pub fn share(actor: Actor, at: DateTime<Utc>, body: ShareCommand) -> CommandEnvelope<ShareCommand> {
    cmd(actor, at, body)
}

/// 河北省卫生健康委员会 applies for 人口基础信息 (conditional) at `at`.
pub fn submit_conditional(at: DateTime<Utc>) -> CommandEnvelope<ShareCommand> {
    share(
        clerk(province_health()),
        at,
        submit_body(
            vec![population_entry()],
            &["公民身份号码", "姓名"],
            vec![province_authority()],
        ),
    )
}

/// 河北省卫生健康委员会 applies for 社会保险参保信息 (unconditional) at `at`.
pub fn submit_unconditional(at: DateTime<Utc>) -> CommandEnvelope<ShareCommand> {
    share(
        clerk(province_health()),
        at,
        submit_body(
            vec![social_security_entry()],
            &["公民身份号码", "参保状态"],
            vec![province_authority()],
        ),
    )
}

pub fn forward_to_provider(at: DateTime<Utc>) -> CommandEnvelope<ShareCommand> {
    share(
        reviewer(province_authority()),
        at,
        ShareCommand::ForwardToProvider(ForwardToProvider {
            review_opinion: "场景明确, 转提供部门".to_owned(),
        }),
    )
}

pub fn agree(at: DateTime<Utc>) -> CommandEnvelope<ShareCommand> {
    share(
        leader(province_public_security()),
        at,
        ShareCommand::AgreeToShare(AgreeToShare {
            conditions: Some("仅限核验, 不得留存".to_owned()),
        }),
    )
}

pub fn refusal_basis() -> RefusalBasis {
    RefusalBasis {
        kind: RefusalBasisKind::Law,
        instrument: "中华人民共和国个人信息保护法".to_owned(),
        provision: "第三十四条".to_owned(),
    }
}

pub fn refuse(at: DateTime<Utc>, reasons: &str) -> CommandEnvelope<ShareCommand> {
    share(
        leader(province_public_security()),
        at,
        ShareCommand::RefuseToShare(RefuseToShare {
            reasons: reasons.to_owned(),
            basis: refusal_basis(),
        }),
    )
}

pub const REAL_REASONS: &str =
    "申请的出生日期信息项超出医疗救助身份核验所需的最小范围, 且未说明必要性";

pub fn provide(at: DateTime<Utc>) -> CommandEnvelope<ShareCommand> {
    share(
        reviewer(province_authority()),
        at,
        ShareCommand::ProvideShare(ProvideShare {
            grant_id: GRANT.to_owned(),
        }),
    )
}

pub fn share_history(
    services: fn() -> DomainServices,
    commands: Vec<CommandEnvelope<ShareCommand>>,
) -> Vec<ShareEvent> {
    history::<ShareApplication>(services, commands)
}

/// The provision of [`APP`] as the engine resolves it from its `ShareProvided` (第十九、二十二条): 人口基础信息
/// provided to 河北省卫生健康委员会 by the provincial authority on 2026-03-17, with the provider's conditions.
pub fn provision() -> ProvisionFacts {
    ProvisionFacts {
        application_id: APP.to_owned(),
        grant_id: GRANT.to_owned(),
        requester: province_health().code,
        provided_by: province_authority().code,
        entries: vec![population_entry().entry_id],
        data_items: vec!["公民身份号码".to_owned(), "姓名".to_owned()],
        purpose: "医疗救助对象身份核验".to_owned(),
        purpose_code: PURPOSE.to_owned(),
        use_from: date(2026, 3, 1),
        use_until: date(2026, 12, 31),
        conditions: Some("仅限核验, 不得留存".to_owned()),
        provided_at: bj(2026, 3, 17, 15, 0),
    }
}

pub fn national() -> DomainServices {
    services_with(RuleSet::national_2016())
}
