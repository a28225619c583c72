//! The workspace's end-to-end suites (`tests/*.rs`, this package's test targets) drive govshare from outside,
//! as a department's system would: over HTTP against a real server. This library holds what they share: a real
//! server on an ephemeral loopback port.

use govshare_server::AppHandle;
use tokio::sync::oneshot;

/// A server serving `handle` on 127.0.0.1 until `stop` is sent.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Ends the server (it finishes the requests in flight).
    pub stop: oneshot::Sender<()>,
    /// The server's task.
    pub task: tokio::task::JoinHandle<()>,
}

/// Binds 127.0.0.1:0 and serves `handle` in a task.
pub async fn serve(handle: AppHandle) -> Running {
    let listener = govshare_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        govshare_server::serve_on(listener, handle, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Running {
        base: format!("http://{addr}"),
        stop,
        task,
    }
}

/// The province every suite records: 河北省 and its data authority, 河北省公安厅 (the provider) with the
/// published, conditional 户籍人口基本信息 ([`POPULATION`]), and two requesting departments.
pub mod province {
    use chrono::{Datelike, Duration, FixedOffset, Utc};
    use govshare_app::App;
    use govshare_domain::share_application::{
        ApplicationScenario, ShareCommand, SubmitShareApplication,
    };
    use govshare_domain::{DepartmentKind, PersonId, Role};
    use govshare_engine::{CommandRequest, requested_entry};
    use govshare_server::{TokenActor, TokenStore};
    pub use govshare_testkit::province::{AUTHORITY, POPULATION};
    use govshare_testkit::province::{bootstrap, code, population_metadata, publication, register};
    use uuid::Uuid;

    /// 河北省公安厅: provides [`POPULATION`].
    pub const POLICE: &str = "130000-public-security";
    /// 河北省卫生健康委员会: the requester of [`submission`].
    pub const HEALTH: &str = "130000-health";
    /// 河北省市场监督管理局: a department with no part in the suites' cases.
    pub const MARKET: &str = "130000-market-regulation";

    /// Records the province through `app`'s engine (a fresh log).
    pub async fn seed(app: &App) {
        let engine = app.engine();
        let (province, authority) = bootstrap();
        engine
            .bootstrap(
                Uuid::new_v4(),
                PersonId("王主任".into()),
                province,
                authority,
            )
            .await
            .unwrap();
        for (department, name, kind) in [
            (POLICE, "河北省公安厅", DepartmentKind::PublicSecurity),
            (HEALTH, "河北省卫生健康委员会", DepartmentKind::Department),
            (MARKET, "河北省市场监督管理局", DepartmentKind::Department),
        ] {
            engine
                .execute(CommandRequest::new(
                    Uuid::new_v4(),
                    code(AUTHORITY),
                    PersonId("王主任".into()),
                    Role::Leader,
                    register(department, name, "130000", kind),
                ))
                .await
                .unwrap();
        }
        for (department, role, command) in publication(POPULATION, POLICE, population_metadata()) {
            engine
                .execute(CommandRequest::new(
                    Uuid::new_v4(),
                    code(&department),
                    PersonId("经办人".into()),
                    role,
                    command,
                ))
                .await
                .unwrap();
        }
    }

    /// A token for a person of `department` in `role`, valid for a day.
    pub async fn token(tokens: &TokenStore, department: &str, role: Role) -> String {
        let now = Utc::now();
        tokens
            .issue(
                TokenActor {
                    department: code(department),
                    person: PersonId(format!("{department} 用户")),
                    role,
                },
                "test",
                now,
                now + Duration::days(1),
            )
            .await
            .unwrap()
            .secret
    }

    /// Health's application `id` for [`POPULATION`] (第十九条), used from today for a year.
    pub fn submission(id: &str) -> ShareCommand {
        let today = Utc::now()
            .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive();
        ShareCommand::SubmitShareApplication(SubmitShareApplication {
            application_id: id.into(),
            entries: vec![requested_entry(POPULATION)],
            scenario: ApplicationScenario {
                purpose: "医疗救助对象身份核验".into(),
                purpose_code: "SC-130000-WJ-2026-001".into(),
                legal_basis: "《社会救助暂行办法》第二十八条".into(),
                business_system: "河北省医疗救助管理系统".into(),
                data_items: vec!["公民身份号码".into(), "姓名".into()],
                use_from: today,
                use_until: today.with_year(today.year() + 1).unwrap_or(today),
                expected_frequency: "每日约2000次".into(),
            },
            materials: vec!["共享需求说明.pdf".into()],
            route: vec![],
        })
    }
}

/// What the HTTP suites share: the seeded province's tokens, including an expired and a revoked one, and
/// the check of a problem+json refusal.
pub mod http {
    use chrono::{Duration, Utc};
    use govshare_domain::{PersonId, Role};
    use govshare_server::{TokenActor, TokenStore};
    use serde_json::Value;

    use crate::province::{AUTHORITY, HEALTH, MARKET, POLICE, token};

    /// A token of each department of the province (see [`crate::province`]), and two of Health's that no
    /// longer open anything.
    #[derive(Debug, Clone)]
    pub struct Tokens {
        /// Health's clerk: the requester.
        pub health: String,
        /// Police's leader: the provider.
        pub police: String,
        /// The data authority's reviewer.
        pub authority: String,
        /// Market's clerk: no part in the cases.
        pub market: String,
        /// Health's, expired yesterday.
        pub expired: String,
        /// Health's, valid for a day but revoked.
        pub revoked: String,
    }

    /// Issues the [`Tokens`] in `store`.
    pub async fn tokens(store: &TokenStore) -> Tokens {
        let now = Utc::now();
        let health = |person: &str| TokenActor {
            department: govshare_testkit::province::code(HEALTH),
            person: PersonId(person.into()),
            role: Role::Clerk,
        };
        let expired = store
            .issue(
                health("过期"),
                "expired",
                now - Duration::days(2),
                now - Duration::days(1),
            )
            .await
            .unwrap()
            .secret;
        let revoked = store
            .issue(health("撤销"), "revoked", now, now + Duration::days(1))
            .await
            .unwrap();
        store.revoke(&revoked.info.token_id, now).await.unwrap();
        Tokens {
            health: token(store, HEALTH, Role::Clerk).await,
            police: token(store, POLICE, Role::Leader).await,
            authority: token(store, AUTHORITY, Role::Reviewer).await,
            market: token(store, MARKET, Role::Clerk).await,
            expired,
            revoked: revoked.secret,
        }
    }

    /// Asserts a problem+json refusal: the status, the content type, `status`, `code`, the `type` URI made
    /// of the code, a title and a detail, and the field when one is given. Returns the problem.
    pub async fn assert_problem(
        response: reqwest::Response,
        status: u16,
        code: &str,
        field: Option<&str>,
    ) -> Value {
        assert_eq!(response.status().as_u16(), status, "{}", response.url());
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["status"], status, "{problem}");
        assert_eq!(problem["code"], code, "{problem}");
        assert_eq!(
            problem["type"],
            format!("urn:govshare:problem:{code}"),
            "{problem}"
        );
        assert!(
            problem["title"].is_string() && problem["detail"].is_string(),
            "{problem}"
        );
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{problem}");
        }
        problem
    }
}

/// The `govshare` binary of this workspace, built first if needed (`cargo build -p govshare-cli`, a no-op
/// when it is up to date) for the suites that run the server as a process.
pub fn govshare_binary() -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let status = std::process::Command::new(env!("CARGO"))
                .args([
                    "build",
                    "--locked",
                    "--quiet",
                    "-p",
                    "govshare-cli",
                    "--bin",
                    "govshare",
                ])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .unwrap();
            assert!(status.success(), "cannot build the govshare binary");
            // This test runs from <target>/debug/deps/; the binary is in <target>/debug/.
            let exe = std::env::current_exe().unwrap();
            let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
            let binary = dir.join("govshare");
            assert!(binary.exists(), "{} was not built", binary.display());
            binary
        })
        .clone()
}

/// Every row of every table of every read model, through the stable views, each table's rows sorted: two
/// dumps are equal when the models hold the same facts.
pub async fn dump_read_models(
    db: &govshare_projections::ReadDb,
) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for projection in govshare_projections::models::all() {
        for table in projection.tables() {
            let rows = db
                .query_view(
                    projection.name(),
                    &[table],
                    &format!("SELECT * FROM {{{table}}}"),
                    vec![],
                )
                .await
                .unwrap_or_else(|e| panic!("{}.{table}: {e}", projection.name()));
            let mut rows: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
            rows.sort();
            out.push((projection.name().to_owned(), (*table).to_owned(), rows));
        }
    }
    out
}
