//! A reproducible demo province for govshare: Hebei's organisations and catalog, seeded and then run for
//! months of data sharing under the Hebei regulation (河北省政务数据共享应用管理办法), every step through the
//! engine.
//!
//! [`run`] seeds an empty store and simulates:
//!
//! - the registry (第四、五、六条): 河北省 with 石家庄市, 保定市, 长安区 and 正定县, their data authorities,
//!   people's governments, public security, cyberspace offices and departments, each with its responsible
//!   office;
//! - the catalog (第九至十二条) from the demo catalog data, drafted, submitted and approved, with city and
//!   county copies, aggregated to the provincial system (第十六至十八条), one entry placed on the negative list
//!   through the people's government and filed (第十五条), collection responsibility lists (第十三、十四条) and
//!   published catalog versions (第十条);
//! - share applications on every path of 第十九条 — unconditional, conditional agreed or refused with reasons,
//!   objections upheld and dismissed, returned for supplement, withdrawn, not accepted for a listed entry —
//!   including cross-level routes (第二十一条), with grants and their uses, one outside the grant
//!   (第二十二条) — each grant issued by the policy "provision issues the grant" (`govshare-policies`), whose
//!   pass the demo runs some minutes after the provision; quality verification with an extension (第二十条); security incidents reported on time and
//!   late (第三十四条); supervision with rectification orders and public criticism (第三十九条); and missed
//!   deadlines recorded by the scheduler (第四十一条).
//!
//! The clock is a [`ManualClock`] moved over working days of the official calendar; command ids come from the
//! engine's id generator, so with [`EngineConfig::with_seed`] the same seed records the same history, byte
//! for byte, and the same head hash.
//!
//! ```no_run
//! # async fn example() -> Result<(), govshare_demo::DemoError> {
//! use govshare_demo::{DemoOptions, run_on};
//!
//! let summary = run_on("/tmp/demo.db", DemoOptions { seed: 1, months: 12 }).await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod cases;
mod data;
mod error;
mod needs;
mod rng;
mod runner;
mod scenario;
mod seed;
mod share;
mod summary;
mod time;

use std::sync::Arc;

use govshare_engine::{Clock, Engine, EngineConfig, ManualClock};
use govshare_store::Position;

pub use error::DemoError;
pub use summary::DemoSummary;

use crate::data::World;
use crate::runner::Runner;
use crate::time::{add_months, at_time, date_of};

/// The longest simulation offered: five years of working days is already far beyond a demo.
pub const MAX_MONTHS: u32 = 60;

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// Varies every choice of the scenario (which departments apply, which paths, delays); the same seed
    /// gives the same history.
    pub seed: u64,
    /// Months to simulate after seeding (at most [`MAX_MONTHS`]; 0 seeds only).
    pub months: u32,
}

impl Default for DemoOptions {
    /// Seed 1, twelve months.
    fn default() -> Self {
        DemoOptions {
            seed: 1,
            months: 12,
        }
    }
}

/// The instant `run_on` starts its clock at: Monday 2026-01-05, 09:00 Beijing time.
pub fn demo_start() -> Result<chrono::DateTime<chrono::Utc>, DemoError> {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
        .ok_or_else(|| DemoError::Time("2026-01-05 无法表示".into()))?;
    at_time(date, 9, 0)
}

/// 第十二条 as configuration for the demo data: which departments compile each base and thematic category
/// (the provincial departments the data names, and the departments compiling local copies or entries of a
/// category assigned elsewhere). [`run_on`] configures its engine with them; on an engine without them the
/// demo records an entry's class only in its classification (基础信息资源/… or 主题信息资源/…).
pub fn category_assignments() -> Result<govshare_domain::CategoryAssignments, DemoError> {
    Ok(World::load()?.category_assignments())
}

/// Seeds the demo province into `engine`'s empty store and simulates `options.months` months from the
/// clock's current instant, moving `clock` — which must be the engine's clock — as it goes.
///
/// Refuses a store that already holds events ([`DemoError::NotEmpty`]). Every command goes through
/// [`Engine::execute`] (the first two through [`Engine::bootstrap`], missed deadlines through
/// [`Engine::execute_scheduled`] in the scheduler's role, and so do the grants, by the policy "provision
/// issues the grant" under ids derived from the provision's position); other ids come from [`Engine::ids`].
/// At the end the whole hash chain is verified.
pub async fn run(
    engine: &Engine,
    clock: &ManualClock,
    options: DemoOptions,
) -> Result<DemoSummary, DemoError> {
    if options.months > MAX_MONTHS {
        return Err(DemoError::InvalidOptions {
            option: "months",
            reason: format!("{} 超过上限 {MAX_MONTHS}", options.months),
        });
    }
    // `run` knows the engine, not where its store lives; `run_on` names the location itself.
    let location = "引擎的数据库 (the engine's store)".to_owned();
    let store_error = |source| DemoError::Store {
        location: location.clone(),
        source,
    };
    let head = engine.store().head().await.map_err(store_error)?;
    if head.position > 0 {
        return Err(DemoError::NotEmpty {
            location: location.clone(),
            events: head.position,
        });
    }
    let world = World::load()?;
    let from = date_of(clock.now());
    let until = add_months(from, options.months)?;
    let end = at_time(until, 0, 0)?;
    let mut runner = Runner::new(engine, clock, world, options.seed, end);
    tracing::info!(seed = options.seed, months = options.months, %from, %until, "demo: seeding");
    runner.seed().await?;
    if options.months > 0 {
        tracing::info!(commands = runner.commands, "demo: simulating");
        runner.simulate().await?;
    }

    let events = count_events(engine).await.map_err(store_error)?;
    let head = engine.store().head().await.map_err(store_error)?;
    let verified = engine
        .store()
        .verify(1, None)
        .await
        .map(|_| true)
        .map_err(store_error)?;
    Ok(DemoSummary {
        seed: options.seed,
        months: options.months,
        from: Some(from),
        until: Some(until.max(date_of(clock.now()))),
        commands: runner.commands,
        refusals_expected: runner.refusals,
        events,
        head_position: head.position,
        head_hash: head.hash.iter().map(|b| format!("{b:02x}")).collect(),
        verified,
    })
}

/// Opens (or creates) the SQLite file or PostgreSQL database `db` with a [`ManualClock`] at [`demo_start`],
/// reproducible ids from `options.seed` and the demo's [`category_assignments`] (第十二条), and runs the demo
/// on it. A database that already holds events
/// is refused ([`DemoError::NotEmpty`]): the demo seeds a fresh one.
pub async fn run_on(db: &str, options: DemoOptions) -> Result<DemoSummary, DemoError> {
    let clock = Arc::new(ManualClock::new(demo_start()?));
    let config = EngineConfig::new(db)
        .with_clock(clock.clone())
        .with_seed(options.seed)
        .with_categories(category_assignments()?);
    let engine = Engine::open(config)
        .await
        .map_err(|source| DemoError::Engine {
            step: format!("打开数据库 {db}"),
            source,
        })?;
    let head = engine
        .store()
        .head()
        .await
        .map_err(|source| DemoError::Store {
            location: db.to_owned(),
            source,
        })?;
    if head.position > 0 {
        return Err(DemoError::NotEmpty {
            location: db.to_owned(),
            events: head.position,
        });
    }
    run(&engine, &clock, options).await
}

/// Events of the whole log, per type.
async fn count_events(
    engine: &Engine,
) -> Result<std::collections::BTreeMap<String, u64>, govshare_store::StoreError> {
    const BATCH: usize = 2048;
    let mut counts = std::collections::BTreeMap::new();
    let mut from: Position = 1;
    loop {
        let batch = engine.store().read_all(from, BATCH).await?;
        let Some(last) = batch.last() else { break };
        from = last.position + 1;
        for event in &batch {
            *counts.entry(event.event_type.clone()).or_insert(0) += 1;
        }
        if batch.len() < BATCH {
            break;
        }
    }
    Ok(counts)
}
