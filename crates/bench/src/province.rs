//! The province the HTTP benches act in: 河北省 with its data authority, 河北省公安厅 (provider of the
//! published, conditional 户籍人口基本信息 and, if asked, more 人口 entries) and eight requesting
//! departments.

use govshare_app::{App, AppConfig};
use govshare_domain::catalog::CatalogMetadata;
use govshare_domain::{DepartmentKind, PersonId, Role};
use govshare_engine::{CommandRequest, Engine, EngineConfig};
use govshare_testkit::province::{self, AUTHORITY, POPULATION};
use uuid::Uuid;

/// 河北省公安厅: provider of [`POPULATION`].
pub const POLICE: &str = "130000-public-security";

/// The requesting departments; client *k* of a bench submits as department *k* mod 8.
pub const REQUESTERS: [(&str, &str); 8] = [
    ("130000-health", "河北省卫生健康委员会"),
    ("130000-market-regulation", "河北省市场监督管理局"),
    ("130000-civil-affairs", "河北省民政厅"),
    ("130000-education", "河北省教育厅"),
    ("130000-transport", "河北省交通运输厅"),
    ("130000-housing", "河北省住房和城乡建设厅"),
    ("130000-natural-resources", "河北省自然资源厅"),
    ("130000-ecology", "河北省生态环境厅"),
];

/// The engine's configuration on `database` with the province's 第十二条 category assignments.
pub fn engine_config(database: &str) -> EngineConfig {
    EngineConfig::new(database).with_categories(province::categories())
}

/// Opens the app on `database` (read-model runner with every model), records the province first if `seed`,
/// and starts its background work (scheduler and policies) as `govshare serve` does.
pub async fn open_app(database: &str, seed: bool) -> Result<App, String> {
    let config = AppConfig::with_engine(engine_config(database));
    let mut app = App::open(config).await.map_err(|e| e.to_string())?;
    if seed {
        record(app.engine(), 0).await?;
    }
    app.run_background();
    Ok(app)
}

/// The id of the `n`-th additional 人口 entry of [`POLICE`] (`n` from 1; [`POPULATION`] is the first).
pub fn extra_entry(n: usize) -> String {
    format!("catalog-{POLICE}-{:04}", n + 1)
}

/// Records the province through `engine`: 河北省 and its data authority, 河北省公安厅 with the published
/// [`POPULATION`] and `extra_entries` more published 人口 entries ([`extra_entry`]), and the eight
/// [`REQUESTERS`].
pub async fn record(engine: &Engine, extra_entries: usize) -> Result<(), String> {
    let (province, authority) = province::bootstrap();
    engine
        .bootstrap(
            Uuid::new_v4(),
            PersonId("王主任".into()),
            province,
            authority,
        )
        .await
        .map_err(|e| e.to_string())?;
    let departments = std::iter::once((POLICE, "河北省公安厅", DepartmentKind::PublicSecurity))
        .chain(
            REQUESTERS
                .iter()
                .map(|&(c, n)| (c, n, DepartmentKind::Department)),
        );
    for (code, name, kind) in departments {
        execute(
            engine,
            AUTHORITY,
            Role::Leader,
            "王主任",
            province::register(code, name, "130000", kind),
        )
        .await?;
    }
    let entries = std::iter::once((POPULATION.to_owned(), province::population_metadata()))
        .chain((1..=extra_entries).map(|n| (extra_entry(n), extra_metadata(n))));
    for (entry, metadata) in entries {
        for (department, role, command) in province::publication(&entry, POLICE, metadata) {
            execute(engine, &department, role, "经办人", command).await?;
        }
    }
    Ok(())
}

/// Metadata of the `n`-th additional entry: 户籍人口基本信息's, under another name and code.
fn extra_metadata(n: usize) -> CatalogMetadata {
    const NAMES: [&str; 6] = [
        "流动人口居住登记信息",
        "出生医学证明关联户籍信息",
        "死亡人口注销登记信息",
        "户籍迁移登记信息",
        "居民身份证签发信息",
        "人口变动统计信息",
    ];
    let mut metadata = province::population_metadata();
    metadata.name = format!("{}（{n}）", NAMES[n % NAMES.len()]);
    metadata.code = format!("130000-GA-{:05}", n + 1);
    metadata
}

async fn execute(
    engine: &Engine,
    department: &str,
    role: Role,
    person: &str,
    command: govshare_engine::Command,
) -> Result<(), String> {
    engine
        .execute(CommandRequest::new(
            Uuid::new_v4(),
            province::code(department),
            PersonId(person.into()),
            role,
            command,
        ))
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
