//! The authorization matrix: every route of the router, for every kind of
//! user, against a policy table written by hand. A route missing from the
//! table fails the test.

use std::collections::BTreeSet;

use techreg::core::Scope;
use techreg_tests::{PASSWORD, TestApp, TestClient};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Anonymous,
    Applicant,
    Inspector,
    SystemAdmin,
    SecurityAdmin,
    AuditAdmin,
    CityOfficer,
}

const SIGNED_IN: [Who; 6] = [
    Who::Applicant,
    Who::Inspector,
    Who::SystemAdmin,
    Who::SecurityAdmin,
    Who::AuditAdmin,
    Who::CityOfficer,
];

/// Who may use a route.
#[derive(Clone, Copy)]
enum Allow {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user (their own data).
    SignedIn,
    /// Only these.
    Only(&'static [Who]),
}

/// (method, route pattern as registered, concrete path, who may use it)
const POLICY: &[(&str, &str, &str, Allow)] = &[
    (
        "GET",
        "/admin/jobs",
        "/admin/jobs",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/jobs/:name/run",
        "/admin/jobs/none/run",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/notices",
        "/admin/notices",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/notices",
        "/admin/notices",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/review/contracts/badge",
        "/review/contracts/badge",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/review/reclassify",
        "/review/reclassify",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/review/reclassify/:id",
        "/review/reclassify/1",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/contracts/:id/certificate.pdf",
        "/contracts/1/certificate.pdf",
        Allow::Only(&[Who::Applicant, Who::CityOfficer]),
    ),
    ("GET", "/", "/", Allow::Public),
    ("GET", "/guide", "/guide", Allow::Public),
    ("GET", "/verify", "/verify", Allow::Public),
    (
        "GET",
        "/verify/:number",
        "/verify/2026310115000123?code=ABCD2345",
        Allow::Public,
    ),
    (
        "GET",
        "/api/certificates/:number",
        "/api/certificates/2026310115000123?code=ABCD2345",
        Allow::Public,
    ),
    ("GET", "/api/keys", "/api/keys", Allow::Public),
    ("GET", "/index.html", "/index.html", Allow::Public),
    ("GET", "/healthz", "/healthz", Allow::Public),
    ("GET", "/readyz", "/readyz", Allow::Public),
    ("GET", "/assets/*path", "/assets/css/app.css", Allow::Public),
    ("GET", "/login", "/login", Allow::Public),
    ("POST", "/login", "/login", Allow::Public),
    ("GET", "/login/verify", "/login/verify", Allow::Public),
    ("POST", "/login/verify", "/login/verify", Allow::Public),
    ("POST", "/login/resend", "/login/resend", Allow::Public),
    ("GET", "/register", "/register", Allow::Public),
    (
        "GET",
        "/register/enterprise",
        "/register/enterprise",
        Allow::Public,
    ),
    (
        "POST",
        "/register/enterprise",
        "/register/enterprise",
        Allow::Public,
    ),
    (
        "GET",
        "/register/individual",
        "/register/individual",
        Allow::Public,
    ),
    (
        "POST",
        "/register/individual",
        "/register/individual",
        Allow::Public,
    ),
    (
        "POST",
        "/register/sms-code",
        "/register/sms-code",
        Allow::Public,
    ),
    ("GET", "/demo/sms", "/demo/sms", Allow::Public),
    ("GET", "/my", "/my", Allow::SignedIn),
    (
        "GET",
        "/account/password",
        "/account/password",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/account/password",
        "/account/password",
        Allow::SignedIn,
    ),
    (
        "GET",
        "/account/sessions",
        "/account/sessions",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/account/sessions/end",
        "/account/sessions/end",
        Allow::SignedIn,
    ),
    (
        "GET",
        "/account/security",
        "/account/security",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/account/security/sms-code",
        "/account/security/sms-code",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/account/security/totp/start",
        "/account/security/totp/start",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/account/security/totp/confirm",
        "/account/security/totp/confirm",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/account/security/sms",
        "/account/security/sms",
        Allow::SignedIn,
    ),
    (
        "GET",
        "/admin/users",
        "/admin/users",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/users",
        "/admin/users",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/users/:id",
        "/admin/users/1",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/users/:id/unlock",
        "/admin/users/1/unlock",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/users/:id/reset-password",
        "/admin/users/1/reset-password",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/users/:id/disable",
        "/admin/users/1/disable",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/users/:id/enable",
        "/admin/users/1/enable",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/users/:id/roles",
        "/admin/users/1/roles",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/sessions",
        "/admin/sessions",
        Allow::Only(&[Who::SecurityAdmin]),
    ),
    (
        "POST",
        "/admin/sessions/end",
        "/admin/sessions/end",
        Allow::Only(&[Who::SecurityAdmin]),
    ),
    (
        "GET",
        "/audit/log",
        "/audit/log",
        Allow::Only(&[Who::AuditAdmin]),
    ),
    // The applicant here is an individual: no claim of their own (404).
    ("GET", "/my/claim", "/my/claim", Allow::SignedIn),
    ("POST", "/my/claim", "/my/claim", Allow::SignedIn),
    // Applications: only holders of contract.apply (the applicant here has
    // no contract 1 until the POST creates it: 404, then its own draft).
    (
        "GET",
        "/my/contracts",
        "/my/contracts",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "GET",
        "/my/contracts/:id",
        "/my/contracts/1",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "POST",
        "/my/contracts",
        "/my/contracts",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "GET",
        "/my/contracts/:id/step/:n",
        "/my/contracts/1/step/1",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "POST",
        "/my/contracts/:id/step/:n",
        "/my/contracts/1/step/1",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "POST",
        "/my/contracts/:id/withdraw",
        "/my/contracts/1/withdraw",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "POST",
        "/my/contracts/:id/request-change",
        "/my/contracts/1/request-change",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "POST",
        "/my/contracts/:id/request-cancel",
        "/my/contracts/1/request-cancel",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "GET",
        "/my/contracts/:id/attachments/:aid",
        "/my/contracts/1/attachments/1",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "GET",
        "/review/claims",
        "/review/claims",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/review/claims/:id",
        "/review/claims/1",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/review/claims/:id/file/:which",
        "/review/claims/1/file/licence",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/review/claims/:id/approve",
        "/review/claims/1/approve",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/review/claims/:id/reject",
        "/review/claims/1/reject",
        Allow::Only(&[Who::CityOfficer]),
    ),
    // Contract review: office staff and the city office (here: no contract
    // exists, so the city officer gets 404 on a case, never 403).
    (
        "GET",
        "/review/contracts",
        "/review/contracts",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/review/contracts/approve",
        "/review/contracts/approve",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/review/contracts/:id",
        "/review/contracts/1",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/review/contracts/:id/attachments/:aid",
        "/review/contracts/1/attachments/1",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/review/contracts/:id/claim",
        "/review/contracts/1/claim",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/review/contracts/:id/assign",
        "/review/contracts/1/assign",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/review/contracts/:id/opinions",
        "/review/contracts/1/opinions",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/review/contracts/:id/actions/:action",
        "/review/contracts/1/actions/accept",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/admin/offices",
        "/admin/offices",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/offices",
        "/admin/offices",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/offices/:id",
        "/admin/offices/1",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/offices/:id",
        "/admin/offices/1",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/offices/:id/status",
        "/admin/offices/1/status",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    // Office heads reach these for their own office: tests/tests/staff.rs.
    (
        "GET",
        "/admin/staff",
        "/admin/staff",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/staff/grant",
        "/admin/staff/grant",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/staff/revoke",
        "/admin/staff/revoke",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/staff/move",
        "/admin/staff/move",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/service-points",
        "/admin/service-points",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/service-points",
        "/admin/service-points",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/service-points/:id",
        "/admin/service-points/1",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/service-points/:id",
        "/admin/service-points/1",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/service-points/:id/status",
        "/admin/service-points/1/status",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/service-points/:id/staff/grant",
        "/admin/service-points/1/staff/grant",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/service-points/:id/staff/revoke",
        "/admin/service-points/1/staff/revoke",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/offices/:id/industry-list",
        "/admin/offices/1/industry-list",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/enterprises",
        "/admin/enterprises",
        Allow::Only(&[Who::SystemAdmin, Who::CityOfficer]),
    ),
    (
        "POST",
        "/admin/enterprises/reassign",
        "/admin/enterprises/reassign",
        Allow::Only(&[Who::SystemAdmin, Who::CityOfficer]),
    ),
    (
        "GET",
        "/admin/enterprises/import",
        "/admin/enterprises/import",
        Allow::Only(&[Who::SystemAdmin, Who::CityOfficer]),
    ),
    (
        "POST",
        "/admin/enterprises/import",
        "/admin/enterprises/import",
        Allow::Only(&[Who::SystemAdmin, Who::CityOfficer]),
    ),
    (
        "POST",
        "/admin/enterprises/import/confirm",
        "/admin/enterprises/import/confirm",
        Allow::Only(&[Who::SystemAdmin, Who::CityOfficer]),
    ),
    (
        "GET",
        "/admin/enterprises/:id",
        "/admin/enterprises/1",
        Allow::Only(&[Who::SystemAdmin, Who::CityOfficer]),
    ),
    (
        "POST",
        "/admin/enterprises/:id",
        "/admin/enterprises/1",
        Allow::Only(&[Who::SystemAdmin, Who::CityOfficer]),
    ),
    (
        "POST",
        "/admin/enterprises/:id/reassign",
        "/admin/enterprises/1/reassign",
        Allow::Only(&[Who::SystemAdmin, Who::CityOfficer]),
    ),
    (
        "GET",
        "/admin/dictionaries",
        "/admin/dictionaries",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/dictionaries/:code",
        "/admin/dictionaries/district",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    // Empty forms: 422 / 409 for the admin, nothing changes.
    (
        "POST",
        "/admin/dictionaries/:code",
        "/admin/dictionaries/district",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/dictionaries/:code/entries/:id",
        "/admin/dictionaries/tech_field/entries/1",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/dictionaries/:code/entries/:id",
        "/admin/dictionaries/tech_field/entries/1",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/dictionaries/:code/entries/:id/deactivate",
        "/admin/dictionaries/tech_field/entries/1/deactivate",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/dictionaries/:code/entries/:id/reactivate",
        "/admin/dictionaries/tech_field/entries/1/reactivate",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/dictionaries/:code/entries/:id/delete",
        "/admin/dictionaries/tech_field/entries/1/delete",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/calendar",
        "/admin/calendar",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/calendar",
        "/admin/calendar",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/calendar/remove",
        "/admin/calendar/remove",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/calendar/import",
        "/admin/calendar/import",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/calendar/import/confirm",
        "/admin/calendar/import/confirm",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/roles",
        "/admin/roles",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "POST",
        "/admin/roles",
        "/admin/roles",
        Allow::Only(&[Who::SystemAdmin]),
    ),
    (
        "GET",
        "/admin/security",
        "/admin/security",
        Allow::Only(&[Who::SecurityAdmin]),
    ),
    (
        "POST",
        "/admin/security",
        "/admin/security",
        Allow::Only(&[Who::SecurityAdmin]),
    ),
    ("GET", "/account/mobile", "/account/mobile", Allow::SignedIn),
    (
        "POST",
        "/account/mobile",
        "/account/mobile",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/account/mobile/new-code",
        "/account/mobile/new-code",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/account/mobile/current-code",
        "/account/mobile/current-code",
        Allow::SignedIn,
    ),
    (
        "GET",
        "/supervision/duplicates",
        "/supervision/duplicates",
        Allow::Only(&[Who::CityOfficer, Who::Inspector]),
    ),
    (
        "GET",
        "/supervision/duplicates.xlsx",
        "/supervision/duplicates.xlsx",
        Allow::Only(&[Who::CityOfficer, Who::Inspector]),
    ),
    (
        "GET",
        "/review/contracts/:id/duplicates/:other",
        "/review/contracts/1/duplicates/2",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/review/contracts/:id/duplicates/:other",
        "/review/contracts/1/duplicates/2",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/my/contracts/:id/duplicates/explain",
        "/my/contracts/1/duplicates/explain",
        Allow::Only(&[Who::Applicant]),
    ),
    (
        "GET",
        "/reports/enterprise-growth",
        "/reports/enterprise-growth",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/reports/enterprise-growth.xlsx",
        "/reports/enterprise-growth.xlsx",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/reports/integrity",
        "/reports/integrity",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/reports/integrity.xlsx",
        "/reports/integrity.xlsx",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/supervision/integrity",
        "/supervision/integrity",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/supervision/integrity",
        "/supervision/integrity",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/supervision/integrity/import",
        "/supervision/integrity/import",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/supervision/integrity/import",
        "/supervision/integrity/import",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/supervision/integrity/import/confirm",
        "/supervision/integrity/import/confirm",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/supervision/integrity/:id/remove",
        "/supervision/integrity/1/remove",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/supervision/anomalies",
        "/supervision/anomalies",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/supervision/anomalies",
        "/supervision/anomalies",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/supervision/anomalies/:id/lift",
        "/supervision/anomalies/1/lift",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "GET",
        "/supervision/refusals",
        "/supervision/refusals",
        Allow::Only(&[Who::CityOfficer]),
    ),
    (
        "POST",
        "/supervision/refusals/:id/override",
        "/supervision/refusals/1/override",
        Allow::Only(&[Who::CityOfficer]),
    ),
    ("GET", "/messages", "/messages", Allow::SignedIn),
    ("GET", "/messages/badge", "/messages/badge", Allow::SignedIn),
    (
        "POST",
        "/messages/read-all",
        "/messages/read-all",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/messages/:id/read",
        "/messages/1/read",
        Allow::SignedIn,
    ),
    (
        "POST",
        "/messages/:id/open",
        "/messages/1/open",
        Allow::SignedIn,
    ),
    // Only enterprise admins (none among these users; see claims tests).
    (
        "GET",
        "/my/enterprise/users",
        "/my/enterprise/users",
        Allow::Only(&[]),
    ),
    (
        "POST",
        "/my/enterprise/users",
        "/my/enterprise/users",
        Allow::Only(&[]),
    ),
    // Run last: they end sessions.
    (
        "POST",
        "/account/sessions/end-others",
        "/account/sessions/end-others",
        Allow::SignedIn,
    ),
    ("POST", "/logout", "/logout", Allow::Public),
];

/// Every `.at("…")` route registered in the application's source.
fn registered_routes() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split(".at(").skip(1) {
                    let part = part.trim_start();
                    if let Some(route) = part.strip_prefix('"').and_then(|p| p.split('"').next()) {
                        out.insert(route.to_owned());
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src"),
        &mut out,
    );
    out
}

#[test]
fn every_registered_route_is_in_the_policy_table() {
    let table: BTreeSet<String> = POLICY
        .iter()
        .map(|(_, pattern, _, _)| pattern.to_string())
        .collect();
    let registered = registered_routes();
    let missing: Vec<_> = registered.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "routes without an authorization rule: {missing:?}"
    );
    let stale: Vec<_> = table.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "rules for routes that do not exist: {stale:?}"
    );
}

async fn signed_in(app: &TestApp, who: Who, n: usize) -> TestClient {
    let (role, scope) = match who {
        Who::Applicant => ("applicant", Scope::SelfOnly),
        Who::Inspector => ("inspector", Scope::All),
        Who::SystemAdmin => ("system_admin", Scope::All),
        Who::SecurityAdmin => ("security_admin", Scope::All),
        Who::AuditAdmin => ("audit_admin", Scope::All),
        Who::CityOfficer => ("city_officer", Scope::All),
        Who::Anonymous => unreachable!(),
    };
    let username = format!("u{n}_{role}");
    let mobile = format!("1390003{n:04}");
    app.create_user(&username, &mobile, role, scope, false)
        .await;
    let c = app.client();
    let r = app.login(&c, &username, PASSWORD, &mobile).await;
    assert_eq!(r.status, 303, "{who:?} signs in");
    c
}

#[tokio::test]
async fn each_route_answers_each_kind_of_user_as_the_policy_says() {
    let app = TestApp::spawn().await;
    // User 1: the object of the admin routes.
    let target = app
        .create_user("target", "13900039999", "inspector", Scope::All, false)
        .await;
    assert_eq!(target, 1);
    let mut clients = Vec::new();
    for (n, who) in SIGNED_IN.iter().enumerate() {
        clients.push((*who, signed_in(&app, *who, n).await));
    }
    let anonymous = app.client();
    anonymous.get("/").await;
    clients.push((Who::Anonymous, anonymous));

    for (method, _pattern, path, allow) in POLICY {
        for (who, c) in &clients {
            // A page first, so the client holds a valid CSRF token.
            c.get("/").await;
            let r = if *method == "GET" {
                c.get(path).await
            } else {
                c.post_form(path, &[]).await
            };
            let allowed = match allow {
                Allow::Public => true,
                Allow::SignedIn => *who != Who::Anonymous,
                Allow::Only(list) => list.contains(who),
            };
            let to_login = r.status == 303 && r.header("location") == Some("/login");
            if allowed {
                assert!(
                    r.status != 403
                        && !r.status.is_server_error()
                        && !(to_login && *who != Who::Anonymous && !matches!(allow, Allow::Public)),
                    "{method} {path} should be open to {who:?}, got {}",
                    r.status
                );
            } else if *who == Who::Anonymous {
                assert!(
                    to_login,
                    "{method} {path}: anonymous should be sent to /login, got {}",
                    r.status
                );
            } else {
                assert_eq!(
                    r.status, 403,
                    "{method} {path} should be refused to {who:?}"
                );
            }
        }
    }
}

/// Objects in two offices and two enterprises: each user reaches their own,
/// never the other's (404), and never an object of a kind they have no
/// permission for (403).
#[tokio::test]
async fn objects_of_another_office_or_enterprise_answer_404() {
    let app = TestApp::spawn().await;
    let office_a = app.create_office("310110", "杨浦区技术合同登记处").await;
    let office_b = app.create_office("310104", "徐汇区技术合同登记处").await;
    app.create_user(
        "clerk_a",
        "13900090001",
        "office_clerk",
        Scope::Office(office_a),
        false,
    )
    .await;
    app.create_user(
        "clerk_b",
        "13900090002",
        "office_clerk",
        Scope::Office(office_b),
        false,
    )
    .await;

    // One enterprise per office, each with a submitted claim; claim 1 is A's.
    let mut applicants = Vec::new();
    for (n, (district, base)) in [
        ("310110", "91310110MA1DBJA01"),
        ("310104", "91310104MA1DBJB01"),
    ]
    .iter()
    .enumerate()
    {
        let c = app
            .register_enterprise(
                &format!("ent_{n}"),
                &format!("1390009010{n}"),
                base,
                &format!("对象测试企业{n}"),
                district,
            )
            .await;
        let r = app
            .upload_claim(&c, Some(b"%PDF-1.7 a"), Some(b"%PDF-1.7 b"))
            .await;
        assert_eq!(r.status, 303);
        applicants.push(c);
    }
    let clerk_a = app.client();
    app.login(&clerk_a, "clerk_a", PASSWORD, "13900090001")
        .await;
    let clerk_b = app.client();
    app.login(&clerk_b, "clerk_b", PASSWORD, "13900090002")
        .await;

    // (who, claim, expected status) for the claim routes.
    let cases: [(&TestClient, i64, u16); 6] = [
        (&clerk_a, 1, 200),
        (&clerk_a, 2, 404),
        (&clerk_b, 2, 200),
        (&clerk_b, 1, 404),
        (&applicants[0], 1, 403),
        (&applicants[1], 1, 403),
    ];
    for (c, claim, expected) in cases {
        for path in [
            format!("/review/claims/{claim}"),
            format!("/review/claims/{claim}/file/licence"),
        ] {
            assert_eq!(c.get(&path).await.status, expected, "GET {path}");
        }
        if expected != 200 {
            // Refused before anything changes (the owner's decisions are
            // covered in tests/tests/claims.rs).
            c.get("/my").await;
            let path = format!("/review/claims/{claim}/reject");
            let r = c
                .post_form(&path, &[("version", "1"), ("reason", "x")])
                .await;
            assert_eq!(r.status, expected, "POST {path}");
        }
    }
    // An applicant's own claim page shows only their own claim.
    let own = applicants[0].get("/my/claim").await;
    assert!(own.body.contains("对象测试企业0") && !own.body.contains("对象测试企业1"));
}
