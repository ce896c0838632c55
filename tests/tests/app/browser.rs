//! Browser journeys in headless Chromium. Screenshots: target/screenshots/.

use std::time::Duration;

use techreg_tests::TestApp;
use techreg_tests::browser::{Browser, fill, sign_in, wait_for};
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

#[tokio::test]
async fn portal_home_swaps_the_guide_in_with_htmx() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let d = &browser.driver;
    d.goto(app.url("/")).await.unwrap();
    assert!(
        d.title()
            .await
            .unwrap()
            .contains("上海市技术合同认定登记信息系统")
    );
    // htmx loaded from /assets and configured from the meta tag
    let htmx_version = d
        .execute("return window.htmx ? htmx.version : null", vec![])
        .await
        .unwrap();
    assert!(
        htmx_version
            .json()
            .as_str()
            .unwrap_or("")
            .starts_with("2.0"),
        "{:?}",
        htmx_version.json()
    );
    assert!(d.find_all(By::Css("#guide")).await.unwrap().is_empty());
    browser.screenshot("foundation-01-home").await;

    d.find(By::LinkText("查看办事指南"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let guide = d
        .query(By::Css("#guide-panel #guide"))
        .wait(Duration::from_secs(10), Duration::from_millis(100))
        .first()
        .await
        .expect("guide swapped into the panel");
    assert!(guide.text().await.unwrap().contains("7 个工作日"));
    // Still the same document (a swap, not a navigation), and the URL pushed.
    assert_eq!(d.find_all(By::Css(".hero")).await.unwrap().len(), 1);
    assert!(d.current_url().await.unwrap().path().ends_with("/guide"));
    browser.screenshot("foundation-02-guide-swapped").await;

    // A form with errors: the 422 fragment is swapped in with the messages.
    d.goto(app.url("/verify")).await.unwrap();
    d.find(By::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = d
        .query(By::Css("#f-number-error"))
        .wait(Duration::from_secs(10), Duration::from_millis(100))
        .first()
        .await
        .expect("inline error shown");
    assert_eq!(err.text().await.unwrap(), "请填写登记编号");
    browser.screenshot("foundation-03-verify-errors").await;
    browser.quit().await;
}

async fn sign_out(d: &WebDriver, app: &TestApp) {
    d.delete_all_cookies().await.unwrap();
    d.goto(app.url("/")).await.unwrap();
}

#[tokio::test]
async fn an_enterprise_registers_is_verified_by_staff_and_signs_in_with_a_code() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    app.create_user(
        "city_b",
        "13900060001",
        "city_officer",
        techreg::core::Scope::All,
        false,
    )
    .await;
    let d = &browser.driver;

    // Registration, with the SMS code button driven by htmx.
    d.goto(app.url("/register/enterprise")).await.unwrap();
    let base = "91310106MA1BRW001";
    let credit = format!("{base}{}", techreg::identity::credit_check_char(base));
    fill(d, "credit_code", &credit).await;
    fill(d, "enterprise_name", "上海浏览器测试有限公司").await;
    d.find(By::Css("select[name=district] option[value='310106']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(d, "contact_name", "吴九").await;
    fill(d, "mobile", "13900060010").await;
    d.find(By::XPath("//button[contains(., '获取验证码')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::XPath(
        "//*[@id='sms-status'][contains(., '验证码已发送')]",
    ))
    .wait(Duration::from_secs(10), Duration::from_millis(100))
    .first()
    .await
    .expect("status line swapped in");
    let code = app.last_sms_code("13900060010").await;
    fill(d, "sms_code", &code).await;
    fill(d, "username", "wujiu").await;
    fill(d, "password", techreg_tests::PASSWORD).await;
    fill(d, "confirm_password", "mismatch").await;
    browser.screenshot("identity-01-register-form").await;
    d.find(By::Css("#register button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = wait_for(d, "#f-confirm_password-error").await;
    assert_eq!(err.text().await.unwrap(), "两次输入的密码不一致");
    fill(d, "password", techreg_tests::PASSWORD).await;
    fill(d, "confirm_password", techreg_tests::PASSWORD).await;
    d.find(By::Css("#register button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#login").await;
    assert!(d.source().await.unwrap().contains("注册成功"));

    // First sign-in with the SMS code; the account waits for verification.
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    sign_in(&app, d, "wujiu", "13900060010").await;
    assert!(d.source().await.unwrap().contains("待核验"));
    browser.screenshot("identity-02-pending").await;

    // Upload the proof.
    let dir = tempfile::tempdir().unwrap();
    let licence = dir.path().join("licence.pdf");
    let letter = dir.path().join("letter.pdf");
    std::fs::write(&licence, b"%PDF-1.7\nlicence\n%%EOF\n").unwrap();
    std::fs::write(&letter, b"%PDF-1.7\nletter with seal\n%%EOF\n").unwrap();
    d.goto(app.url("/my/claim")).await.unwrap();
    d.find(By::Css("input[name=licence]"))
        .await
        .unwrap()
        .send_keys(licence.to_str().unwrap())
        .await
        .unwrap();
    d.find(By::Css("input[name=letter]"))
        .await
        .unwrap()
        .send_keys(letter.to_str().unwrap())
        .await
        .unwrap();
    d.find(By::Css("#claim button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::XPath(
        "//*[@id='claim-status'][contains(., '待登记处核验')]",
    ))
    .wait(Duration::from_secs(10), Duration::from_millis(100))
    .first()
    .await
    .expect("claim submitted");
    browser.screenshot("identity-03-claim-submitted").await;

    // Staff verify it.
    sign_out(d, &app).await;
    sign_in(&app, d, "city_b", "13900060001").await;
    d.goto(app.url("/review/claims")).await.unwrap();
    d.find(By::LinkText("核验"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#claim-review").await;
    browser.screenshot("identity-04-staff-review").await;
    d.find(By::XPath("//button[contains(., '核验通过')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::XPath("//*[contains(., '暂无待核验的认领')]"))
        .wait(Duration::from_secs(10), Duration::from_millis(100))
        .first()
        .await
        .expect("queue empty after approval");

    // The applicant is now active.
    sign_out(d, &app).await;
    app.state.core.clock.advance(chrono::Duration::seconds(61));
    sign_in(&app, d, "wujiu", "13900060010").await;
    let page = d.source().await.unwrap();
    assert!(page.contains("企业管理员") && page.contains("正常"));
    browser.screenshot("identity-05-verified").await;
    browser.quit().await;
}

#[tokio::test]
async fn the_city_office_reassigns_an_enterprise_to_another_office() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let pudong = app.create_office("310115", "浦东新区技术合同登记处").await;
    let minhang = app.create_office("310112", "闵行区技术合同登记处").await;
    // Registered through the form: assigned to Pudong by its district.
    app.register_enterprise(
        "journey_ent",
        "13900120001",
        "91310115000000701",
        "上海旅程测试有限公司",
        "310115",
    )
    .await;
    app.create_user(
        "journey_city",
        "13900120002",
        "city_officer",
        techreg::core::Scope::All,
        false,
    )
    .await;
    let d = &browser.driver;
    sign_in(&app, d, "journey_city", "13900120002").await;
    d.find(By::LinkText("企业与对口关系"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#enterprises").await;
    fill(d, "q", "旅程测试").await;
    d.find(By::Css("#enterprises form.inline button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The filtered list is a new page: wait for its address, then read it.
    for _ in 0..100 {
        if d.current_url()
            .await
            .unwrap()
            .query()
            .unwrap_or("")
            .contains("q=")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let matching = wait_for(d, "#matching strong").await;
    assert_eq!(matching.text().await.unwrap(), "1");
    browser.screenshot("offices-01-enterprise-list").await;
    d.find(By::LinkText("详情"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let current = wait_for(d, "#current-office").await;
    assert_eq!(current.text().await.unwrap(), "浦东新区技术合同登记处");

    // Submitting without a reason: the message sits beside the field.
    let select = SelectElement::new(
        &d.find(By::Css("#reassign select[name='office_id']"))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    select.select_by_value(&minhang.to_string()).await.unwrap();
    d.find(By::Css("#reassign button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = wait_for(d, "#f-reason-error").await;
    assert_eq!(err.text().await.unwrap(), "请填写调整原因");
    let select = SelectElement::new(
        &d.find(By::Css("#reassign select[name='office_id']"))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    select.select_by_value(&minhang.to_string()).await.unwrap();
    fill(d, "reason", "企业注册地迁至闵行区").await;
    d.find(By::Css("#reassign button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, ".flash-success").await;
    let current = wait_for(d, "#current-office").await;
    assert_eq!(current.text().await.unwrap(), "闵行区技术合同登记处");
    let history = d
        .find(By::Css("#assignments"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(history.contains("企业注册地迁至闵行区") && history.contains("浦东新区技术合同登记处"));
    browser.screenshot("offices-02-enterprise-reassigned").await;
    let on = techreg::core::clock::shanghai_date(app.state.core.clock.now());
    let id = app.count("enterprise").await;
    assert_eq!(
        techreg::org::responsible_office(&app.state.core.db, id, on)
            .await
            .unwrap(),
        Some(minhang)
    );
    assert_ne!(pudong, minhang);
    browser.quit().await;
}
