//! Registration office management: create, search, edit with history,
//! suspend with a reason; bad input changes nothing; stale edits refused.

use techreg::core::Scope;
use techreg_tests::{PASSWORD, TestApp};

#[tokio::test]
async fn a_system_admin_manages_offices_and_every_change_is_kept() {
    let app = TestApp::spawn().await;
    app.create_user("sys_off", "13900080001", "system_admin", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "sys_off", PASSWORD, "13900080001").await;
    assert_eq!(c.get("/admin/offices").await.status, 200);

    // Bad input: every field says what is wrong, nothing is created.
    let r = c
        .post_form(
            "/admin/offices",
            &[
                ("code", "x"),
                ("name", ""),
                ("kind", "district"),
                ("district", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for m in [
        "编码为 2–20 位字母或数字",
        "请填写名称",
        "区级登记处须选择所在区",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    assert_eq!(app.count("office").await, 0);

    let r = c
        .post_form(
            "/admin/offices",
            &[
                ("code", "ＳＨ310101"),
                ("name", "黄浦区技术合同登记处"),
                ("kind", "district"),
                ("district", "310101"),
                ("head_name", "王主任"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let detail_url = r.header("location").unwrap().to_owned();
    let r = c
        .post_form(
            "/admin/offices",
            &[("code", "SH310101"), ("name", "重复"), ("kind", "industry")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("该编码已被使用"),
        "full-width code was normalised"
    );

    // Edit with the version from the page.
    let page = c.get(&detail_url).await;
    assert!(page.body.contains("黄浦区技术合同登记处"));
    let r = c
        .post_form(
            &detail_url,
            &[
                ("version", "0"),
                ("code", "SH310101"),
                ("name", "黄浦区技术合同登记处（新址）"),
                ("kind", "district"),
                ("district", "310101"),
                ("phone", "021-12345678"),
                ("handles", &"受".repeat(501)),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("受理范围不能超过 500 个字"));
    let r = c
        .post_form(
            &detail_url,
            &[
                ("version", "0"),
                ("code", "SH310101"),
                ("name", "黄浦区技术合同登记处（新址）"),
                ("kind", "district"),
                ("district", "310101"),
                ("phone", "021-12345678"),
                ("handles", "黄浦区注册单位的各类技术合同"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        c.get(&detail_url)
            .await
            .body
            .contains("黄浦区注册单位的各类技术合同")
    );
    // The same stale form again: somebody else already changed it.
    let r = c
        .post_form(
            &detail_url,
            &[
                ("version", "0"),
                ("code", "SH310101"),
                ("name", "旧表单"),
                ("kind", "district"),
                ("district", "310101"),
            ],
        )
        .await;
    assert_eq!(r.status, 409);

    // Suspension needs a reason; then the district has no active office.
    let status_url = format!("{detail_url}/status");
    let r = c
        .post_form(
            &status_url,
            &[("version", "1"), ("status", "suspended"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写原因"));
    let r = c
        .post_form(
            &status_url,
            &[
                ("version", "1"),
                ("status", "suspended"),
                ("reason", "人员调整"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = c.get(&detail_url).await;
    assert_eq!(page.text_of("#office-status").as_deref(), Some("暂停"));
    let history = page.text_of("#history").unwrap();
    for action in ["创建", "修改", "状态变更"] {
        assert!(history.contains(action), "{action} in history");
    }
    assert!(history.contains("人员调整"));
    assert!(
        techreg::org::district_office(&app.state.core.db, "310101")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(app.count("audit_log WHERE action LIKE 'office.%'").await, 3);

    // Search and filters.
    let list = c
        .get("/admin/offices?q=%E9%BB%84%E6%B5%A6&kind=&status=suspended")
        .await;
    assert!(list.body.contains("SH310101"));
    let list = c.get("/admin/offices?q=&kind=industry&status=").await;
    assert!(!list.body.contains("SH310101"));
}
