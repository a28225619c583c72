//! A demo province (`govshare-demo`: every command through the engine with a manual clock and seeded ids)
//! on a SQLite file or a fresh PostgreSQL database, its read models caught up, and reports over it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use govshare_demo::{DemoOptions, run_on};
use govshare_domain::RuleSet;
use govshare_projections::models::assessment::{self, DepartmentFilter};
use govshare_projections::{PageRequest, ReadDb, RunnerConfig};
use govshare_report::{AssessmentReport, AssessmentRequest, Period, Scope, assessment};
use govshare_store::{EventStore, StoreConfig};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A demo database with its read models caught up to the head.
pub struct Demo {
    pub location: String,
    pub store: Arc<dyn EventStore>,
    pub db: ReadDb,
    pub head: u64,
    _dir: Option<tempfile::TempDir>,
}

/// A Beijing wall-clock instant.
pub fn bj(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

impl Demo {
    /// Runs the demo (seed 1) for `months` months on a fresh database and catches the read models up.
    pub async fn run(backend: Backend, months: u32) -> Demo {
        let (location, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("govshare.db").display().to_string();
                (path, Some(dir))
            }
            Backend::Postgres => (
                govshare_testkit::shared_cluster()
                    .fresh_database("report")
                    .await
                    .unwrap(),
                None,
            ),
        };
        let summary = run_on(&location, DemoOptions { seed: 1, months })
            .await
            .unwrap();
        assert!(summary.verified);
        let store = govshare_store::open(&location, StoreConfig::default())
            .await
            .unwrap();
        let db = ReadDb::open(&location).await.unwrap();
        let head = store.head().await.unwrap().position;
        let runner = govshare_projections::start(
            db.clone(),
            store.clone(),
            govshare_projections::models::all(),
            RunnerConfig::default(),
        )
        .await
        .unwrap();
        runner
            .wait_for_all(head, Duration::from_secs(600))
            .await
            .unwrap();
        runner.shutdown().await;
        Demo {
            location,
            store,
            db,
            head,
            _dir: dir,
        }
    }

    /// Every region with a registered department, ascending.
    pub async fn regions(&self) -> Vec<String> {
        let page = assessment::departments(
            &self.db,
            &DepartmentFilter::default(),
            &PageRequest::first(1000),
        )
        .await
        .unwrap();
        let mut regions: Vec<String> = page.items.into_iter().map(|d| d.region).collect();
        regions.sort();
        regions.dedup();
        regions
    }

    /// The report of one region.
    pub async fn report(
        &self,
        period: Period,
        scope: Scope,
        as_of: DateTime<Utc>,
    ) -> AssessmentReport {
        assessment(
            &self.db,
            &RuleSet::hebei_2022(),
            &AssessmentRequest {
                period,
                scope,
                as_of,
            },
        )
        .await
        .unwrap()
    }

    /// One report with the departments of every region, by code.
    pub async fn everyone(&self, period: Period, as_of: DateTime<Utc>) -> AssessmentReport {
        let mut all: Option<AssessmentReport> = None;
        for region in self.regions().await {
            let r = self.report(period, Scope::Region(region), as_of).await;
            match &mut all {
                None => all = Some(r),
                Some(a) => a.departments.extend(r.departments),
            }
        }
        let mut all = all.unwrap();
        all.departments.sort_by(|a, b| a.code.cmp(&b.code));
        all
    }

    /// Every event of the log, as stored.
    pub async fn log(&self) -> Vec<govshare_store::RecordedEvent> {
        let mut out = Vec::new();
        let mut from = 1;
        loop {
            let batch = self.store.read_all(from, 2000).await.unwrap();
            match batch.last() {
                None => return out,
                Some(last) => from = last.position + 1,
            }
            out.extend(batch);
        }
    }

    /// The case (aggregate id) of the event at each position.
    pub async fn event_cases(&self) -> BTreeMap<u64, String> {
        let mut out = BTreeMap::new();
        let mut from = 1;
        loop {
            let batch = self.store.read_all(from, 2000).await.unwrap();
            if batch.is_empty() {
                return out;
            }
            for e in &batch {
                out.insert(e.position, e.stream.aggregate_id.clone());
                from = e.position + 1;
            }
        }
    }

    /// The event type at each position.
    pub async fn event_types(&self) -> BTreeMap<u64, String> {
        let mut out = BTreeMap::new();
        let mut from = 1;
        loop {
            let batch = self.store.read_all(from, 2000).await.unwrap();
            if batch.is_empty() {
                return out;
            }
            for e in &batch {
                out.insert(e.position, e.event_type.clone());
                from = e.position + 1;
            }
        }
    }
}

/// Runs `f` on a runtime of its own (for shared fixtures built once and used by plain tests).
pub fn block_on<T, F>(f: impl FnOnce() -> F + Send + 'static) -> T
where
    T: Send + 'static,
    F: std::future::Future<Output = T>,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(f())
    })
    .join()
    .unwrap()
}
