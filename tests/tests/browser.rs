//! Browser journeys in headless Chromium. Screenshots: target/screenshots/.

use std::time::Duration;

use techreg_tests::TestApp;
use techreg_tests::browser::Browser;
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
