//! A department's service embedding govshare: it opens the engine on a SQLite file, registers a tiny
//! province, publishes one conditional catalog entry, and follows one share application from submission to
//! provision (第十九条), printing every event the engine records.
//!
//! Run: `cargo run --locked -p govshare-example-embed`.

use std::sync::Arc;

use anyhow::Result;
use chrono::{Duration, FixedOffset, TimeZone, Utc};
use govshare_domain::catalog::{
    AggregationMode, CatalogCommand, CatalogMetadata, DataItem, DraftCatalogEntry, OpenAttribute,
    SecurityLevel, ShareAttribute, ShareMode, SubmitCatalogEntry, UpdateFrequency, UsageScope,
};
use govshare_domain::organization::{OrganizationCommand, RegisterDepartment, RegisterRegion};
use govshare_domain::share_application::{
    AgreeToShare, ApplicationScenario, ForwardToProvider, ProvideShare, ShareCommand,
    SubmitShareApplication,
};
use govshare_domain::{DepartmentCode, DepartmentKind, Level, PersonId, RegionCode, Role};
use govshare_engine::{
    Command, CommandRequest, Engine, EngineConfig, ManualClock, Recorded, named_department,
    requested_entry,
};

const AUTHORITY: &str = "130000-data-authority";
const POLICE: &str = "130000-public-security";
const HEALTH: &str = "130000-health";
const ENTRY: &str = "catalog-130000-public-security-0001";
const APPLICATION: &str = "SA-2026-0001";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("govshare.db");
    // A manual clock so that the example shows working-day deadlines on known dates; a service uses the
    // default system clock.
    let start = beijing()
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("start instant"))?
        .with_timezone(&Utc);
    let clock = Arc::new(ManualClock::new(start));
    let engine =
        Engine::open(EngineConfig::new(db.display().to_string()).with_clock(clock.clone())).await?;
    println!("store: {}", db.display());

    engine
        .bootstrap(
            engine.ids().next_id(),
            PersonId("王主任".into()),
            RegisterRegion {
                code: RegionCode::parse("130000")?,
                name: "河北省".into(),
                level: Level::Province,
                parent: None,
            },
            RegisterDepartment {
                code: DepartmentCode::parse(AUTHORITY)?,
                name: "河北省政务服务管理办公室".into(),
                region: RegionCode::parse("130000")?,
                kind: DepartmentKind::DataAuthority,
                principal: None,
            },
        )
        .await?;
    for (code, name, kind) in [
        (POLICE, "河北省公安厅", DepartmentKind::PublicSecurity),
        (HEALTH, "河北省卫生健康委员会", DepartmentKind::Department),
    ] {
        let register = OrganizationCommand::RegisterDepartment(RegisterDepartment {
            code: DepartmentCode::parse(code)?,
            name: name.into(),
            region: RegionCode::parse("130000")?,
            kind,
            principal: None,
        });
        run(
            &engine,
            AUTHORITY,
            Role::Leader,
            Command::Organization { command: register },
        )
        .await?;
    }

    // 第十一条: the provider compiles the entry, the same-level authority approves it.
    let catalog = |command| Command::Catalog {
        id: ENTRY.into(),
        command,
    };
    run(
        &engine,
        POLICE,
        Role::Clerk,
        catalog(CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
            metadata: population(),
        })),
    )
    .await?;
    run(
        &engine,
        POLICE,
        Role::Clerk,
        catalog(CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
            authority: named_department(DepartmentCode::parse(AUTHORITY)?),
        })),
    )
    .await?;
    run(
        &engine,
        AUTHORITY,
        Role::Reviewer,
        catalog(CatalogCommand::ApproveCatalogEntry(Default::default())),
    )
    .await?;

    // 第十九条: submit → the authority reviews and forwards → the provider agrees → the authority provides.
    let share = |command| Command::ShareApplication {
        id: APPLICATION.into(),
        command,
    };
    let submit = ShareCommand::SubmitShareApplication(SubmitShareApplication {
        application_id: APPLICATION.into(),
        // The engine resolves the entry's facts (share attribute, provider, items, listing) and the route.
        entries: vec![requested_entry(ENTRY)],
        scenario: ApplicationScenario {
            purpose: "医疗救助对象身份核验".into(),
            purpose_code: "SC-130000-WJ-2026-001".into(),
            legal_basis: "《社会救助暂行办法》第二十八条".into(),
            business_system: "河北省医疗救助管理系统".into(),
            data_items: vec!["公民身份号码".into(), "姓名".into()],
            use_from: chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
                .ok_or_else(|| anyhow::anyhow!("date"))?,
            use_until: chrono::NaiveDate::from_ymd_opt(2026, 12, 31)
                .ok_or_else(|| anyhow::anyhow!("date"))?,
            expected_frequency: "每日约2000次".into(),
        },
        materials: vec!["共享需求说明.pdf".into()],
        route: vec![],
    });
    run(&engine, HEALTH, Role::Clerk, share(submit)).await?;
    clock.advance(Duration::hours(4));
    run(
        &engine,
        AUTHORITY,
        Role::Reviewer,
        share(ShareCommand::ForwardToProvider(ForwardToProvider {
            review_opinion: "应用场景明确，依据充分，转提供部门".into(),
        })),
    )
    .await?;
    clock.advance(Duration::days(1));
    run(
        &engine,
        POLICE,
        Role::Leader,
        share(ShareCommand::AgreeToShare(AgreeToShare {
            conditions: Some("仅限身份核验，不得留存".into()),
        })),
    )
    .await?;
    clock.advance(Duration::hours(2));
    run(
        &engine,
        AUTHORITY,
        Role::Reviewer,
        share(ShareCommand::ProvideShare(ProvideShare {
            grant_id: "GR-2026-0001".into(),
        })),
    )
    .await?;

    let head = engine.store().head().await?;
    println!("head: position {} hash {}", head.position, hex(&head.hash));
    Ok(())
}

/// Executes one command and prints what was recorded.
async fn run(engine: &Engine, department: &str, role: Role, command: Command) -> Result<Recorded> {
    let request = CommandRequest::new(
        engine.ids().next_id(),
        DepartmentCode::parse(department)?,
        PersonId(format!("{department} 经办人")),
        role,
        command,
    );
    let recorded = engine.execute(request).await?;
    for event in &recorded.events {
        println!(
            "{:>4}  {}  {:<18} {:<32} {}",
            event.position,
            event
                .recorded_at
                .with_timezone(&beijing())
                .format("%Y-%m-%d %H:%M"),
            event.stream.aggregate_type,
            event.event_type,
            event.metadata.actor.department,
        );
    }
    Ok(recorded)
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn population() -> CatalogMetadata {
    let item = |name: &str| DataItem {
        name: name.into(),
        data_type: "字符型C".into(),
    };
    CatalogMetadata {
        name: "户籍人口基本信息".into(),
        code: "130000-GA-00001".into(),
        classification: "基础信息资源/人口信息".into(),
        // A base or thematic category (第十二条) needs a configured assignment; see `EngineConfig::with_categories`.
        category: None,
        summary: "全省户籍人口的身份与户籍登记信息".into(),
        format: "数据库".into(),
        items: vec![item("公民身份号码"), item("姓名"), item("出生日期")],
        share_attribute: ShareAttribute::Conditional {
            conditions: "用于本部门法定职责范围内的身份核验".into(),
        },
        share_mode: ShareMode::Interface,
        open_attribute: OpenAttribute::NotOpen,
        update_frequency: UpdateFrequency::Daily,
        security_level: SecurityLevel::Important,
        usage_scope: UsageScope::AllDepartments,
        aggregation_mode: AggregationMode::Physical,
        related_resources: vec![],
        involves_state_secret: false,
    }
}
