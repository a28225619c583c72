//! The web console (`govshare-console`, under `/console`) against a real server on a SQLite file, seeded like
//! `http.rs`: a conditional application forwarded to its provider (河北省公安厅). Over HTTP with a cookie
//! store: sign-in, the desk, the case page and its forms (agree, return for supplement, resubmit), the CSRF
//! check, inline refusals that record nothing (a blank refusal basis, a date in the wrong format), another
//! department's 403, the overview and the catalog, the language switch, sign-out; the assessment page (SVG
//! charts, CSV, an indicator's events, the region refused to a plain department), the audit page (the head, a
//! verification and a re-validation run), the evidence bundle (the API's, 403 for another department), the new
//! application form (inline refusals that record nothing, then recorded and in the outbox), and rate limits by
//! session token, not by address. In a real headless Chromium driven through chromedriver (WebDriver):
//! the provider signs in, sees its inbox (an overdue case in red), opens the case, agrees to share and sees the
//! case change; another department is refused the case; the authority sees the overview, the assessment and
//! runs a verification on the audit page; the requester fills in a new application. On a server seeded by the
//! demo, the same browser: the authority's overview names every deadline the demo left past due, and an
//! application made, forwarded and agreed to through the console by three departments' staff, which a fourth
//! is refused. The browser tests fail, never skip, without `/usr/bin/chromium` and
//! `/usr/bin/chromedriver`; it writes the screenshots `docs/console/*.png` when they are missing or with
//! `GOVSHARE_BLESS=1`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, FixedOffset, Utc};
use fantoccini::{ClientBuilder, Locator};
use govshare_app::{App, AppConfig};
use govshare_domain::share_application::{ForwardToProvider, ShareCommand};
use govshare_domain::{PersonId, Role};
use govshare_e2e::province::{
    AUTHORITY, HEALTH, MARKET, POLICE, POPULATION, seed as seed_province, submission,
};
use govshare_engine::{Command as EngineCommand, CommandRequest, EngineConfig, ManualClock};
use govshare_server::{AppHandle, RateLimit, ServerConfig, TokenActor, TokenStore};
use govshare_store::EventStore;
use govshare_testkit::province;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::Value;
use tokio::sync::oneshot;
use uuid::Uuid;

struct Tokens {
    police: String,
    health: String,
    market: String,
    authority: String,
}

struct Fixture {
    base: String,
    store: Arc<dyn EventStore>,
    tokens: Tokens,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    app: Option<App>,
    _dir: tempfile::TempDir,
}

async fn run(app: &App, department: &str, role: Role, command: EngineCommand) {
    app.engine()
        .execute(CommandRequest::new(
            Uuid::new_v4(),
            province::code(department),
            PersonId(format!("{department} 经办人")),
            role,
            command,
        ))
        .await
        .unwrap();
}

/// The applications `ids`, each submitted by health and forwarded by the authority to the provider (公安厅),
/// which then owes its reply (第十九条).
async fn seed_applications(app: &App, ids: &[&str]) {
    for id in ids {
        let share = |command| EngineCommand::ShareApplication {
            id: (*id).to_owned(),
            command,
        };
        run(app, HEALTH, Role::Clerk, share(submission(id))).await;
        run(
            app,
            AUTHORITY,
            Role::Reviewer,
            share(ShareCommand::ForwardToProvider(ForwardToProvider {
                review_opinion: "应用场景明确，依据充分，转提供部门".into(),
            })),
        )
        .await;
    }
}

async fn token(tokens: &TokenStore, department: &str, person: &str, role: Role) -> String {
    let now = Utc::now();
    tokens
        .issue(
            TokenActor {
                department: province::code(department),
                person: PersonId(person.into()),
                role,
            },
            "console test",
            now,
            now + Duration::days(1),
        )
        .await
        .unwrap()
        .secret
}

/// A server on a fresh SQLite file: the province and the applications `late`, seeded four weeks ago (their
/// reply deadlines have passed, not yet recorded as missed: no scheduler runs), then `ids`, seeded now. The
/// engine's clock is a manual one, set to now after the late ones.
async fn start(late: &[&str], ids: &[&str]) -> Fixture {
    start_with(late, ids, ServerConfig::default()).await
}

/// The same with these server settings.
async fn start_with(late: &[&str], ids: &[&str], server_config: ServerConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    let clock = Arc::new(ManualClock::new(Utc::now() - Duration::days(28)));
    let config = AppConfig::with_engine(
        EngineConfig::new(&db)
            .with_categories(province::categories())
            .with_clock(clock.clone()),
    );
    let app = App::open(config).await.unwrap();
    seed_province(&app).await;
    seed_applications(&app, late).await;
    clock.set(Utc::now());
    seed_applications(&app, ids).await;
    let head = app.store().head().await.unwrap().position;
    app.runner()
        .unwrap()
        .wait_for_all(head, StdDuration::from_secs(30))
        .await
        .unwrap();
    let store = TokenStore::open(&db).await.unwrap();
    let tokens = Tokens {
        police: token(&store, POLICE, "李警官", Role::Leader).await,
        health: token(&store, HEALTH, "张医生", Role::Clerk).await,
        market: token(&store, MARKET, "赵科员", Role::Clerk).await,
        authority: token(&store, AUTHORITY, "王处长", Role::Reviewer).await,
    };
    let handle = AppHandle::new(&app, store, server_config);
    let router = govshare_server::router_with(handle.clone(), govshare_console::router(handle));
    let listener = govshare_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        govshare_server::serve_router_on(listener, router, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Fixture {
        base: format!("http://{addr}"),
        store: app.store().clone(),
        tokens,
        stop: Some(stop),
        server: Some(server),
        app: Some(app),
        _dir: dir,
    }
}

impl Fixture {
    async fn head(&self) -> u64 {
        self.store.head().await.unwrap().position
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
        if let Some(app) = self.app.take() {
            app.shutdown().await.unwrap();
        }
    }
}

/// The value of the first `<input>` named `name` in `html`.
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no input {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The value of the input `name` inside the form `form_id`.
fn form_value(html: &str, form_id: &str, name: &str) -> String {
    let at = html
        .find(&format!("id=\"{form_id}\""))
        .unwrap_or_else(|| panic!("no form {form_id}"));
    input_value(&html[at..], name)
}

/// A browser-like client: a cookie store, redirects not followed (each is checked).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn text(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.unwrap())
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// Signs `client` in with `token`; returns the desk.
async fn sign_in(f: &Fixture, client: &reqwest::Client, token: &str) -> String {
    let (status, login) = text(
        client
            .get(format!("{}/console/login", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let csrf = input_value(&login, "csrf");
    let response = client
        .post(format!("{}/console/login", f.base))
        .form(&[("csrf", csrf.as_str()), ("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/console");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("govshare_console="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(
        !cookie.contains(token),
        "the cookie holds a session id, not the token"
    );
    let (status, desk) = text(
        client
            .get(format!("{}/console", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{desk}");
    desk
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_over_http() {
    const CASE: &str = "SA-CONSOLE-0001";
    let f = start(&[], &[CASE]).await;
    let t = &f.tokens;
    let police = browser();

    // Not signed in: every page leads to the sign-in page.
    let response = police
        .get(format!("{}/console", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/console/login");
    let response = police
        .get(format!("{}/console/applications/{CASE}", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/console/login");

    // The sign-in form: its CSRF token is checked; a wrong token is refused on the page.
    let (_, login) = text(
        police
            .get(format!("{}/console/login", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(login.contains("lang=\"zh-CN\"") && login.contains("访问令牌"));
    let csrf = input_value(&login, "csrf");
    let (status, page) = text(
        police
            .post(format!("{}/console/login", f.base))
            .form(&[("token", t.police.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token: {page}");
    let (status, page) = text(
        police
            .post(format!("{}/console/login", f.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("token", &format!("gst_{}", "0".repeat(64))),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("令牌无效"), "{page}");

    // The provider's desk: the case it owes a reply on, with the working days left.
    let desk = sign_in(&f, &police, &t.police).await;
    assert!(
        desk.contains("部门工作台") && desk.contains("河北省公安厅"),
        "{desk}"
    );
    let inbox = &desk[desk.find("id=\"inbox\"").expect("an inbox table")..];
    assert!(
        inbox.contains(CASE) && inbox.contains("答复是否同意共享"),
        "{desk}"
    );
    assert!(
        inbox.contains("河北省卫生健康委员会"),
        "the requester by name"
    );
    assert!(
        inbox.contains("个工作日") || inbox.contains("今日截止"),
        "working days left: {desk}"
    );

    // The case page: the timeline and the provider's two acts.
    let case_url = format!("{}/console/applications/{CASE}", f.base);
    let (status, case) = text(police.get(&case_url).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    for expected in [
        "id=\"form-agree\"",
        "id=\"form-refuse\"",
        "提出共享申请",
        "审核后转提供部门",
        "设定办理时限",
        "第十九条",
        "待提供部门答复",
    ] {
        assert!(case.contains(expected), "{expected} missing: {case}");
    }
    let session_csrf = form_value(&case, "form-agree", "csrf");
    let head = f.head().await;

    // A refusal without its basis: shown on the page, with what was typed; nothing recorded.
    let reasons = "该数据涉及正在侦办案件的人员信息，依法不宜共享";
    let (status, page) = text(
        police
            .post(&case_url)
            .form(&[
                ("csrf", session_csrf.as_str()),
                ("act", "refuse"),
                (
                    "command_id",
                    &form_value(&case, "form-refuse", "command_id"),
                ),
                ("reasons", reasons),
                ("kind", "law"),
                ("instrument", "  "),
                ("provision", ""),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let form = &page[page.find("id=\"form-refuse\"").unwrap()..];
    assert!(
        form.contains("role=\"alert\"") && form.contains("填写有误"),
        "{page}"
    );
    assert!(
        form.contains("未记录任何内容") && form.contains(reasons),
        "{page}"
    );
    assert_eq!(f.head().await, head, "a refused form recorded something");

    // Agreement without the CSRF token, or with a wrong one: refused before anything is tried.
    let agree_id = form_value(&case, "form-agree", "command_id");
    for csrf in [None, Some("0".repeat(64))] {
        let mut form = vec![
            ("act", "agree".to_owned()),
            ("command_id", agree_id.clone()),
        ];
        if let Some(csrf) = csrf {
            form.push(("csrf", csrf));
        }
        let (status, page) = text(police.post(&case_url).form(&form).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(page.contains("表单已失效"), "{page}");
        assert_eq!(f.head().await, head, "a forged form recorded something");
    }

    // Agreement with the session's token: through the engine, and the case page shows it.
    let agree = [
        ("csrf", session_csrf.as_str()),
        ("act", "agree"),
        ("command_id", agree_id.as_str()),
        ("conditions", "仅限身份核验，不得留存"),
    ];
    let response = police.post(&case_url).form(&agree).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let after = location(&response);
    assert!(after.starts_with(&format!("/console/applications/{CASE}?after=")));
    let agreed_head = f.head().await;
    assert!(agreed_head > head);
    let (status, page) = text(
        police
            .get(format!("{}{after}", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("已同意，待提供") && page.contains("提供部门同意共享"),
        "{page}"
    );
    assert!(page.contains("按时办结"), "the reply deadline met: {page}");
    assert!(
        !page.contains("id=\"form-agree\""),
        "nothing left to agree to"
    );
    // The API sees the same case.
    let case_json: Value = reqwest::Client::new()
        .get(format!("{}/v1/applications/{CASE}", f.base))
        .bearer_auth(&t.health)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case_json["application"]["status"], "agreed", "{case_json}");
    // The same form sent twice records once (its command id).
    let response = police.post(&case_url).form(&agree).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(f.head().await, agreed_head);

    // Another department: the case is not visible (the API's rule), and acting on it is refused.
    let market = browser();
    let desk = sign_in(&f, &market, &t.market).await;
    assert!(!desk.contains(CASE));
    let (status, page) = text(market.get(&case_url).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("无权查看"), "{page}");
    let market_csrf = input_value(&desk, "csrf");
    let (status, _) = text(
        market
            .post(&case_url)
            .form(&[
                ("csrf", market_csrf.as_str()),
                ("act", "withdraw"),
                ("command_id", &Uuid::new_v4().to_string()),
                ("reason", "不再需要"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(f.head().await, agreed_head);
    // The requester sees the case and what it waits for.
    let health = browser();
    let desk = sign_in(&f, &health, &t.health).await;
    let outbox = &desk[desk.find("id=\"outbox\"").expect("an outbox table")..];
    assert!(
        outbox.contains(CASE) && outbox.contains("已同意，待提供"),
        "{desk}"
    );

    // The authority overview: every department's open deadlines for a data authority (the authority now owes
    // the provision); a department sees only its own there.
    let authority = browser();
    let desk = sign_in(&f, &authority, &t.authority).await;
    assert!(desk.contains("href=\"/console/overview\""), "{desk}");
    let (status, page) = text(
        authority
            .get(format!("{}/console/overview", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let table = &page[page
        .find("id=\"by-department\"")
        .expect("a table by department")..];
    assert!(
        table.contains("河北省政务服务管理办公室") && table.contains(AUTHORITY),
        "{page}"
    );
    // Objections in coordination, security incidents and rectification orders: one section each, a table or
    // the empty state (the seeded province has none of them).
    for (section, empty) in [
        ("objections", "没有异议协调中的申请。"),
        ("incidents", "没有安全事件。"),
        ("orders", "没有整改通知。"),
    ] {
        assert!(page.contains(&format!("id=\"{section}-h\"")), "{page}");
        assert!(
            page.contains(&format!("id=\"{section}\""))
                || page.contains(&format!("id=\"{section}-empty\">{empty}")),
            "{section}: {page}"
        );
    }
    let (status, page) = text(
        market
            .get(format!("{}/console/overview", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(AUTHORITY) && !page.contains("href=\"/console/overview\""));
    // The catalog, to every department.
    let (status, page) = text(
        market
            .get(format!(
                "{}/console/catalog?provider={POLICE}&published=1",
                f.base
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let entries = &page[page.find("id=\"entries\"").expect("an entries table")..];
    assert!(
        entries.contains(POPULATION) && entries.contains("河北省公安厅"),
        "{page}"
    );
    let (_, page) = text(
        market
            .get(format!("{}/console/catalog?provider={HEALTH}", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(!page.contains(POPULATION) && page.contains("没有符合条件的目录"));
    // The share-attribute filter narrows the list: the conditional entry is kept, not under the others.
    let (_, page) = text(
        market
            .get(format!("{}/console/catalog?share=conditional", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains(POPULATION) && page.contains("id=\"versions-h\""),
        "{page}"
    );
    for share in ["unconditional", "not_shared"] {
        let (_, page) = text(
            market
                .get(format!("{}/console/catalog?share={share}&lang=en", f.base))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(
            !page.contains(POPULATION) && page.contains("No entries."),
            "{page}"
        );
    }
    // The negative list page (empty in the seeded province), linked from the catalog.
    assert!(
        page.contains("href=\"/console/catalog/negative-list\""),
        "{page}"
    );
    let (status, page) = text(
        market
            .get(format!("{}/console/catalog/negative-list?lang=zh", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("<h1>负面清单</h1>")
            && (page.contains("id=\"listings\"") || page.contains("id=\"listings-empty\"")),
        "{page}"
    );

    // A return for supplement by the authority, then the requester's resubmission: a date in the wrong format
    // is shown on the page and records nothing; the right one goes through.
    const RETURNED: &str = "SA-CONSOLE-0004";
    let response = reqwest::Client::new()
        .post(format!(
            "{}/v1/commands/share_application/{RETURNED}",
            f.base
        ))
        .bearer_auth(&t.health)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&submission(RETURNED))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let position = response.json::<Value>().await.unwrap()["position"]
        .as_u64()
        .unwrap();
    let returned_url = format!("{}/console/applications/{RETURNED}", f.base);
    let (status, page) = text(
        authority
            .get(format!("{returned_url}?after={position}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"form-forward\"") && page.contains("id=\"form-return\""));
    let response = authority
        .post(&returned_url)
        .form(&[
            ("csrf", form_value(&page, "form-return", "csrf").as_str()),
            ("act", "return"),
            (
                "command_id",
                &form_value(&page, "form-return", "command_id"),
            ),
            ("missing", "应用场景说明\n申请材料"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, page) = text(
        health
            .get(format!("{}{}", f.base, location(&response)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("退回补正") && page.contains("id=\"form-resubmit\""),
        "{page}"
    );
    let today = Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let mut resubmit: Vec<(&str, String)> = vec![
        ("csrf", form_value(&page, "form-resubmit", "csrf")),
        ("act", "resubmit".into()),
        (
            "command_id",
            form_value(&page, "form-resubmit", "command_id"),
        ),
        ("purpose", "医疗救助对象身份核验".into()),
        ("purpose_code", "SC-130000-WJ-2026-001".into()),
        ("legal_basis", "《社会救助暂行办法》第二十八条".into()),
        ("business_system", "河北省医疗救助管理系统".into()),
        ("data_items", "公民身份号码\n姓名".into()),
        ("use_from", today.format("%Y/%m/%d").to_string()),
        ("use_until", (today + Duration::days(300)).to_string()),
        ("expected_frequency", "每日约2000次".into()),
        ("materials", "共享需求说明.pdf\n应用场景说明.pdf".into()),
    ];
    let head = f.head().await;
    let (status, page) = text(
        health
            .post(&returned_url)
            .form(&resubmit)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let form = &page[page.find("id=\"form-resubmit\"").unwrap()..];
    assert!(
        form.contains("role=\"alert\"") && form.contains("使用起始日期"),
        "{page}"
    );
    assert!(form.contains("aria-invalid=\"true\""), "{page}");
    assert!(
        form.contains("河北省医疗救助管理系统"),
        "what was typed is kept"
    );
    assert_eq!(f.head().await, head, "a malformed date recorded something");
    resubmit[8].1 = today.to_string();
    let response = health
        .post(&returned_url)
        .form(&resubmit)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = text(
        health
            .get(format!("{}{}", f.base, location(&response)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("主管部门审核中") && page.contains("补正后重新提交"),
        "{page}"
    );
    assert!(f.head().await > head);

    // English on request, remembered; Chinese back.
    let (_, page) = text(
        police
            .get(format!("{}/console?lang=en", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("lang=\"en\"") && page.contains("Department desk"),
        "{page}"
    );
    let (_, page) = text(
        police
            .get(format!("{}/console", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains("Department desk"));
    let (_, page) = text(
        police
            .get(format!("{}/console?lang=zh", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains("部门工作台"));

    // Sign-out ends the session on the server.
    let csrf = input_value(&page, "csrf");
    let response = police
        .post(format!("{}/console/logout", f.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = police
        .get(format!("{}/console", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/console/login");

    f.stop().await;
}

/// The `href` of the element with id `id` (its `&amp;` read back as `&`).
fn href_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\" href=\""))
        .unwrap_or_else(|| panic!("no link {id}"));
    let rest = &html[at + id.len() + 12..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

/// The first `href` containing `part`.
fn href_containing(html: &str, part: &str) -> String {
    let at = html
        .find(part)
        .unwrap_or_else(|| panic!("no link with {part}"));
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_assessment_audit_and_apply() {
    const CASE: &str = "SA-CONSOLE-0004";
    let f = start(&[], &[CASE]).await;
    let police = browser();
    sign_in(&f, &police, &f.tokens.police).await;

    // 考核评价: the department's own report, with its charts, indicators and CSV.
    let (status, page) = text(
        police
            .get(format!("{}/console/assessment", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<h1>考核评价"), "{page}");
    for part in [
        "<svg",
        "id=\"score-chart\"",
        "id=\"deadline-chart\"",
        "收到共享申请数",
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }
    let csv_href = href_of(&page, "csv");
    let csv = police
        .get(format!("{}{csv_href}", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK, "{csv_href}");
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"),
        "{:?}",
        csv.headers()
    );
    let csv = csv.text().await.unwrap();
    assert!(
        csv.contains(POLICE) && csv.contains("share_requests_received"),
        "{csv}"
    );
    // The drill-down: the events an indicator counts (the submission of the case).
    let events = href_containing(&page, "indicator=share_requests_received");
    let (status, list) = text(
        police
            .get(format!("{}{events}", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(
        list.contains(CASE) && list.contains("ShareApplicationSubmitted"),
        "{list}"
    );
    // A plain department does not see the region's report, nor another department's.
    for scope in ["region:130000", "department:130000-health"] {
        let (status, refused) = text(
            police
                .get(format!("{}/console/assessment?scope={scope}", f.base))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{scope}");
        assert!(refused.contains("无权查看"), "{refused}");
        let csv = police
            .get(format!("{}/console/assessment.csv?scope={scope}", f.base))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::FORBIDDEN, "{scope}");
    }
    // The authority sees its region, every department.
    let authority = browser();
    sign_in(&f, &authority, &f.tokens.authority).await;
    let (status, region) = text(
        authority
            .get(format!("{}/console/assessment?year=2026&part=Q4", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{region}");
    assert!(
        region.contains("id=\"departments\"")
            && region.contains("河北省公安厅")
            && region.contains("2026Q4"),
        "{region}"
    );

    // 审计: the head, and a verification run on demand.
    let head = f.store.head().await.unwrap();
    let (status, audit) = text(
        authority
            .get(format!("{}/console/audit", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert!(
        audit.contains(&format!("id=\"head-position\">{}<", head.position)),
        "{audit}"
    );
    let hash: String = head.hash.iter().map(|b| format!("{b:02x}")).collect();
    assert!(audit.contains(&hash), "{audit}");
    assert!(
        !audit.contains("已校验"),
        "nothing is claimed verified before a run"
    );
    let csrf = form_value(&audit, "verify", "csrf");
    let (status, verified) = text(
        authority
            .post(format!("{}/console/audit", f.base))
            .form(&[("csrf", csrf.as_str()), ("run", "verify")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert!(
        verified.contains("已校验：哈希链完整")
            && verified.contains(&format!("<strong>{}</strong>", head.position)),
        "{verified}"
    );
    let (status, revalidated) = text(
        authority
            .post(format!("{}/console/audit", f.base))
            .form(&[("csrf", csrf.as_str()), ("run", "revalidate")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{revalidated}");
    assert!(revalidated.contains("重新校核通过"), "{revalidated}");
    // Without the CSRF token nothing runs; a plain department may not run one.
    let response = authority
        .post(format!("{}/console/audit", f.base))
        .form(&[("run", "verify")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, police_audit) = text(
        police
            .get(format!("{}/console/audit", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(!police_audit.contains("id=\"verify\""));
    let police_csrf = input_value(&police_audit, "csrf");
    let response = police
        .post(format!("{}/console/audit", f.base))
        .form(&[("csrf", police_csrf.as_str()), ("run", "verify")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // 证据包: the API's bundle, for a party; 403 for another department.
    let response = police
        .get(format!("{}/console/applications/{CASE}/evidence", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let bundle: Value = response.json().await.unwrap();
    assert_eq!(bundle["application_id"], CASE);
    let api: Value = reqwest::Client::new()
        .get(format!("{}/v1/applications/{CASE}/evidence", f.base))
        .bearer_auth(&f.tokens.police)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bundle, api, "the same bundle as the API's");
    let market = browser();
    sign_in(&f, &market, &f.tokens.market).await;
    let response = market
        .get(format!("{}/console/applications/{CASE}/evidence", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // 提出共享申请: the requester's form, from the catalog.
    let health = browser();
    let desk = sign_in(&f, &health, &f.tokens.health).await;
    assert!(desk.contains("href=\"/console/apply\""), "{desk}");
    let (_, catalog) = text(
        health
            .get(format!("{}/console/catalog", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let apply = href_containing(&catalog, &format!("/console/apply?entry={POPULATION}"));
    let (status, form) = text(
        health
            .get(format!("{}{apply}", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert!(form.contains(POPULATION), "{form}");
    let field = |name: &str| form_value(&form, "apply", name);
    let (csrf, command_id, id, today) = (
        field("csrf"),
        field("command_id"),
        field("application_id"),
        field("use_from"),
    );
    let valid = |use_from: &str, use_until: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("command_id", command_id.clone()),
            ("application_id", id.clone()),
            ("entries", POPULATION.to_owned()),
            ("purpose", "医疗救助对象身份核验".to_owned()),
            ("purpose_code", "SC-130000-WJ-2026-009".to_owned()),
            ("legal_basis", "《社会救助暂行办法》第二十八条".to_owned()),
            ("business_system", "河北省医疗救助管理系统".to_owned()),
            ("data_items", "公民身份号码\n姓名".to_owned()),
            ("use_from", use_from.to_owned()),
            ("use_until", use_until.to_owned()),
            ("expected_frequency", "每日约500次".to_owned()),
            ("materials", "共享需求说明.pdf".to_owned()),
        ]
    };
    let before = f.head().await;
    // A period of use ending before it starts, and a date in the wrong format: inline, nothing recorded.
    for (use_from, use_until, bad) in [
        (today.as_str(), "2000-01-01", "apply-use_until"),
        ("2026/12/01", "2027-12-01", "apply-use_from"),
    ] {
        let (status, refused) = text(
            health
                .post(format!("{}/console/apply", f.base))
                .form(&valid(use_from, use_until))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(status.is_client_error(), "{status}: {refused}");
        assert!(refused.contains("未记录任何内容"), "{refused}");
        let at = refused.find(&format!("id=\"{bad}\"")).unwrap();
        assert!(
            refused[at..at + 200].contains("aria-invalid=\"true\""),
            "{bad} marked: {refused}"
        );
        assert!(
            refused.contains("医疗救助对象身份核验"),
            "what was typed is kept"
        );
        assert_eq!(f.head().await, before, "nothing recorded");
    }
    // A valid one is recorded, and is in the desk's outbox.
    let response = health
        .post(format!("{}/console/apply", f.base))
        .form(&valid(&today, "2027-12-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let case = location(&response);
    assert!(
        case.starts_with(&format!("/console/applications/{id}?after=")),
        "{case}"
    );
    assert!(f.head().await > before);
    let (status, page) = text(
        health
            .get(format!("{}{case}", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, desk) = text(
        health
            .get(format!("{}/console", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let outbox = &desk[desk.find("id=\"outbox\"").unwrap()..];
    assert!(outbox.contains(&id), "{outbox}");
    // The same form again records nothing more (its command id).
    let head = f.head().await;
    let response = health
        .post(format!("{}/console/apply", f.base))
        .form(&valid(&today, "2027-12-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(f.head().await, head);

    f.stop().await;
}

/// Signed-in console requests draw from their session token's bucket, not from the client address's
/// (which every console user behind one proxy shares); the sign-in page draws from the address's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_rate_limits_by_session() {
    let config = ServerConfig {
        rate_limit: Some(RateLimit {
            per_second: 1,
            burst: 6,
        }),
        ..ServerConfig::default()
    };
    let f = start_with(&[], &[], config).await;
    let police = browser();
    // Sign-in: the form and the POST from the address's bucket, the desk from the token's.
    sign_in(&f, &police, &f.tokens.police).await;
    // Anonymous requests from the same address exhaust its bucket …
    let anonymous = browser();
    let mut limited = false;
    for _ in 0..10 {
        let response = anonymous
            .get(format!("{}/console/login", f.base))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "the sign-in page is limited by address");
    // … while the signed-in session still has its token's.
    for _ in 0..3 {
        let response = police
            .get(format!("{}/console", f.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // And the token's bucket is the API's too: spent, both answer 429.
    let mut spent = false;
    for _ in 0..10 {
        let response = police
            .get(format!("{}/console/catalog", f.base))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            spent = true;
            break;
        }
    }
    assert!(spent, "the session's token bucket runs out");
    let api = reqwest::Client::new()
        .get(format!("{}/v1/deadlines", f.base))
        .bearer_auth(&f.tokens.police)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
    f.stop().await;
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn chromedriver() -> Driver {
    for path in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
        assert!(
            Path::new(path).exists(),
            "{path} is missing: apt-get install chromium chromium-driver fonts-noto-cjk"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{}/status", driver.url)).send().await
            && r.status().is_success()
        {
            return driver;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

/// A headless Chromium session (zh-CN, 1280 px wide) through `driver`.
async fn chromium(driver: &Driver) -> fantoccini::Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1100", "--hide-scrollbars", "--lang=zh-CN",
                     "--disable-background-networking", "--no-first-run"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap()
}

fn bless() -> bool {
    std::env::var_os("GOVSHARE_BLESS").is_some_and(|v| v == "1")
}

/// Keeps a screenshot as `docs/console/<name>.png` when missing or blessing (and always in the temp dir).
async fn screenshot(browser: &fantoccini::Client, name: &str) {
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(
        png.len() > 10_000,
        "a non-trivial page: {} bytes",
        png.len()
    );
    let keep: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/console")
        .join(format!("{name}.png"));
    if bless() || !keep.exists() {
        std::fs::create_dir_all(keep.parent().unwrap()).unwrap();
        std::fs::write(&keep, &png).unwrap();
    }
    let _ = std::fs::write(
        std::env::temp_dir().join(format!("govshare-console-{name}.png")),
        &png,
    );
}

async fn browser_sign_in(browser: &fantoccini::Client, base: &str, token: &str) {
    browser
        .goto(&format!("{base}/console/login"))
        .await
        .unwrap();
    browser
        .find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(token)
        .await
        .unwrap();
    browser
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("inbox-h"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_chromium() {
    const CASE: &str = "SA-CONSOLE-0002";
    const OTHER: &str = "SA-CONSOLE-0003";
    let f = start(&[OTHER], &[CASE]).await;
    let driver = chromedriver().await;
    let browser = chromium(&driver).await;

    // The sign-in page, then the provider's desk with both cases.
    browser
        .goto(&format!("{}/console/login", f.base))
        .await
        .unwrap();
    screenshot(&browser, "login").await;
    browser_sign_in(&browser, &f.base, &f.tokens.police).await;
    let inbox = browser
        .find(Locator::Id("inbox"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(inbox.contains(CASE) && inbox.contains(OTHER), "{inbox}");
    assert!(inbox.contains("答复是否同意共享"), "{inbox}");
    let late = browser
        .find(Locator::Css("#inbox tr.overdue"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(late.contains(OTHER) && late.contains("已逾期"), "{late}");
    screenshot(&browser, "desk").await;

    // A refusal without its basis, shown on the page (this one is screenshot too).
    browser
        .find(Locator::LinkText(OTHER))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("form-refuse"))
        .await
        .unwrap();
    let head = f.head().await;
    browser
        .find(Locator::Id("refuse-reasons"))
        .await
        .unwrap()
        .send_keys("该数据涉及正在侦办案件的人员信息，依法不宜共享")
        .await
        .unwrap();
    browser
        .find(Locator::Id("submit-refuse"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let alert = browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Css("#form-refuse .error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(alert.contains("未记录任何内容"), "{alert}");
    assert_eq!(f.head().await, head);
    browser
        .execute("document.getElementById('acts-h').scrollIntoView()", vec![])
        .await
        .unwrap();
    screenshot(&browser, "case-refusal-error").await;

    // Open the other case from the desk and agree to share.
    browser.goto(&format!("{}/console", f.base)).await.unwrap();
    browser
        .find(Locator::LinkText(CASE))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("form-agree"))
        .await
        .unwrap();
    let status = browser
        .find(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.contains("待提供部门答复"), "{status}");
    browser.set_window_size(1280, 2000).await.unwrap();
    screenshot(&browser, "case").await;
    browser
        .find(Locator::Id("agree-conditions"))
        .await
        .unwrap()
        .send_keys("仅限身份核验，不得留存")
        .await
        .unwrap();
    browser
        .find(Locator::Id("submit-agree"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Css("p.notice"))
        .await
        .unwrap();
    let status = browser
        .find(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.contains("已同意，待提供"), "{status}");
    let timeline = browser
        .find(Locator::Id("timeline"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(timeline.contains("提供部门同意共享"), "{timeline}");
    assert!(f.head().await > head);
    screenshot(&browser, "case-agreed").await;
    // The same page in English, then Chinese again (the choice is remembered in a cookie).
    browser
        .goto(&format!("{}/console/applications/{CASE}?lang=en", f.base))
        .await
        .unwrap();
    let status = browser
        .find(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "agreed, awaiting provision");
    let png = browser.screenshot().await.unwrap();
    let _ = std::fs::write(
        std::env::temp_dir().join("govshare-console-case-agreed-en.png"),
        png,
    );
    browser
        .goto(&format!("{}/console/applications/{CASE}?lang=zh", f.base))
        .await
        .unwrap();
    browser.set_window_size(1280, 1100).await.unwrap();

    // Sign out; another department is refused the case.
    browser
        .find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    browser_sign_in(&browser, &f.base, &f.tokens.market).await;
    browser
        .goto(&format!("{}/console/applications/{CASE}", f.base))
        .await
        .unwrap();
    let heading = browser
        .find(Locator::Css("main h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "无权查看");
    screenshot(&browser, "forbidden").await;
    browser
        .goto(&format!("{}/console/catalog", f.base))
        .await
        .unwrap();
    browser.find(Locator::Id("entries")).await.unwrap();
    screenshot(&browser, "catalog").await;

    // The authority overview.
    browser
        .find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    browser_sign_in(&browser, &f.base, &f.tokens.authority).await;
    browser
        .find(Locator::LinkText("主管部门总览"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let table = browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("by-department"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(table.contains("河北省公安厅"), "{table}");
    let late = browser
        .find(Locator::Css("#overdue tr.overdue"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(late.contains(OTHER) && late.contains("已过截止"), "{late}");
    screenshot(&browser, "overview").await;

    // 考核评价: the region's report with its charts (the provider's agreement counts, on time).
    browser
        .find(Locator::LinkText("考核评价"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("score-chart"))
        .await
        .unwrap();
    let departments = browser
        .find(Locator::Id("departments"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(departments.contains("河北省公安厅"), "{departments}");
    browser.set_window_size(1280, 1500).await.unwrap();
    screenshot(&browser, "assessment").await;
    // Drill-down: one department's indicators, then the events one indicator counts.
    let region = browser.source().await.unwrap();
    let department = href_containing(&region, "scope=department:130000-public-security");
    browser
        .goto(&format!("{}{department}", f.base))
        .await
        .unwrap();
    let indicators = browser.source().await.unwrap();
    let events = href_containing(&indicators, "indicator=share_requests_received");
    browser.goto(&format!("{}{events}", f.base)).await.unwrap();
    let list = browser
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("SA-CONSOLE-"), "{list}");
    screenshot(&browser, "assessment-events").await;
    browser.set_window_size(1280, 1100).await.unwrap();

    // 审计: the head, then a verification run on demand.
    browser
        .find(Locator::LinkText("审计"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("head-position"))
        .await
        .unwrap();
    browser
        .find(Locator::Css("#verify button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let result = browser
        .wait()
        .at_most(StdDuration::from_secs(30))
        .for_element(Locator::Id("result"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(result.contains("已校验"), "{result}");
    screenshot(&browser, "audit").await;

    // 提出共享申请: the requester applies for the entry from the catalog.
    browser
        .find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    browser_sign_in(&browser, &f.base, &f.tokens.health).await;
    browser
        .goto(&format!("{}/console/apply?entry={POPULATION}", f.base))
        .await
        .unwrap();
    for (field, value) in [
        ("purpose", "医疗救助对象身份核验"),
        ("purpose_code", "SC-130000-WJ-2026-010"),
        ("legal_basis", "《社会救助暂行办法》第二十八条"),
        ("business_system", "河北省医疗救助管理系统"),
        ("data_items", "公民身份号码\n姓名"),
        ("use_until", "2027-12-31"),
        ("expected_frequency", "每日约500次"),
        ("materials", "共享需求说明.pdf"),
    ] {
        browser
            .find(Locator::Id(&format!("apply-{field}")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    browser.set_window_size(1280, 1500).await.unwrap();
    browser
        .execute(
            "document.activeElement.blur(); window.scrollTo(0, 0)",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&browser, "apply").await;
    let head = f.head().await;
    browser
        .find(Locator::Css("#apply button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!status.is_empty());
    assert!(f.head().await > head);

    browser.close().await.unwrap();
    drop(driver);
    f.stop().await;
}

/// Signs the browser out (the header's form) and waits for the sign-in page.
async fn browser_sign_out(browser: &fantoccini::Client) {
    browser
        .find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
}

/// Fills `field` (an element id) and clicks `submit`, then waits for the case page's status line.
async fn browser_submit(browser: &fantoccini::Client, fields: &[(&str, &str)], submit: &str) {
    for (id, value) in fields {
        browser
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Css(submit))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(StdDuration::from_secs(15))
        .for_element(Locator::Id("status"))
        .await
        .unwrap();
}

/// The console on a server seeded by the demo (`govshare_demo`, nine months of the demo province, then the
/// real clock): the authority's overview lists every deadline the demo left overdue; a department applies for
/// 河北省公安厅's 户籍人口基本信息 through the console, the authority forwards it, the provider sees it in its
/// inbox, opens it and agrees, and the case page shows the change; another department is refused the case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_chromium_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    govshare_demo::run_on(&db, govshare_demo::DemoOptions { seed: 1, months: 9 })
        .await
        .unwrap();
    let config = AppConfig::with_engine(
        EngineConfig::new(db.clone())
            .with_categories(govshare_demo::category_assignments().unwrap()),
    );
    let mut app = App::open(config).await.unwrap();
    let head = app.store().head().await.unwrap().position;
    app.runner()
        .unwrap()
        .wait_for_all(head, StdDuration::from_secs(120))
        .await
        .unwrap();
    app.run_background();
    let tokens = TokenStore::open(&db).await.unwrap();
    let authority = token(&tokens, "130000-data-authority", "王处长", Role::Reviewer).await;
    let police = token(&tokens, POLICE, "李警官", Role::Leader).await;
    let health = token(&tokens, HEALTH, "张医生", Role::Clerk).await;
    let market = token(&tokens, MARKET, "赵科长", Role::Clerk).await;
    let handle = AppHandle::new(&app, tokens, ServerConfig::default());
    let router = govshare_server::router_with(handle.clone(), govshare_console::router(handle));
    let listener = govshare_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        govshare_server::serve_router_on(listener, router, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });

    // What the demo left past due, as the API lists the open deadlines to the authority: recorded as missed,
    // or past due and not yet recorded (the scheduler records them on its next tick).
    let open: Value = reqwest::Client::new()
        .get(format!("{base}/v1/deadlines?status=open&limit=1000"))
        .bearer_auth(&authority)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let now = Utc::now();
    let overdue: Vec<Value> = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["missed"] == true
                || d["due_at"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .is_some_and(|t| t < now)
        })
        .cloned()
        .collect();
    assert!(
        !overdue.is_empty(),
        "the demo leaves deadlines overdue: {open}"
    );

    let driver = chromedriver().await;
    let browser = chromium(&driver).await;

    // The authority's overview names every overdue case of the demo.
    browser_sign_in(&browser, &base, &authority).await;
    browser
        .goto(&format!("{base}/console/overview"))
        .await
        .unwrap();
    let page = browser.source().await.unwrap();
    for deadline in &overdue {
        let case = deadline["case"]["aggregate_id"].as_str().unwrap();
        assert!(
            page.contains(case),
            "the overview misses the overdue {case}"
        );
    }
    screenshot(&browser, "overview-demo").await;
    browser
        .goto(&format!("{base}/console/catalog/negative-list"))
        .await
        .unwrap();
    browser.find(Locator::Css("main h1")).await.unwrap();
    screenshot(&browser, "negative-list").await;
    browser_sign_out(&browser).await;

    // 卫健委 applies through the console (第十九条).
    browser_sign_in(&browser, &base, &health).await;
    browser
        .goto(&format!("{base}/console/apply?entry={POPULATION}"))
        .await
        .unwrap();
    browser_submit(
        &browser,
        &[
            ("apply-purpose", "医疗救助对象身份核验"),
            ("apply-purpose_code", "SC-130000-WJ-2026-099"),
            ("apply-legal_basis", "《社会救助暂行办法》第二十八条"),
            ("apply-business_system", "河北省医疗救助管理系统"),
            ("apply-data_items", "公民身份号码\n姓名"),
            ("apply-use_until", "2027-12-31"),
            ("apply-expected_frequency", "每日约500次"),
            ("apply-materials", "共享需求说明.pdf"),
        ],
        "#apply button[type=submit]",
    )
    .await;
    let case_url = browser.current_url().await.unwrap().to_string();
    let case = case_url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert!(case_url.contains("/console/applications/"), "{case_url}");
    browser_sign_out(&browser).await;

    // The authority forwards it to the provider.
    browser_sign_in(&browser, &base, &authority).await;
    browser
        .goto(&format!("{base}/console/applications/{case}"))
        .await
        .unwrap();
    browser_submit(
        &browser,
        &[(
            "forward-review_opinion",
            "应用场景明确，依据充分，转提供部门",
        )],
        "#submit-forward",
    )
    .await;
    browser_sign_out(&browser).await;

    // The provider sees it in its inbox, opens it and agrees; the case page shows the change.
    browser_sign_in(&browser, &base, &police).await;
    let inbox = browser
        .find(Locator::Id("inbox"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(inbox.contains(&case), "{inbox}");
    browser
        .find(Locator::LinkText(&case))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let before = browser
        .wait()
        .at_most(StdDuration::from_secs(10))
        .for_element(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    browser_submit(
        &browser,
        &[("agree-conditions", "仅限医疗救助对象身份核验")],
        "#submit-agree",
    )
    .await;
    let after = browser
        .find(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(before, after, "the case page did not change after agreeing");
    let timeline = browser
        .find(Locator::Id("timeline"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(timeline.contains("同意共享"), "{timeline}");
    browser_sign_out(&browser).await;

    // Another department is refused the case.
    browser_sign_in(&browser, &base, &market).await;
    browser
        .goto(&format!("{base}/console/applications/{case}"))
        .await
        .unwrap();
    browser.find(Locator::Css("main h1")).await.unwrap();
    let page = browser.source().await.unwrap();
    // Whatever page it gets, it holds nothing of the case.
    assert!(
        !page.contains("SC-130000-WJ-2026-099") && !page.contains("仅限医疗救助对象身份核验"),
        "another department sees the case: {page}"
    );
    assert!(
        !page.contains("id=\"timeline\""),
        "another department sees the timeline"
    );

    browser.close().await.unwrap();
    drop(driver);
    let _ = stop.send(());
    server.await.unwrap();
    app.shutdown().await.unwrap();
}
