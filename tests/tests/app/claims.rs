//! Proving a claim on an enterprise: upload by the applicant, review by
//! staff, with bad uploads, a rejection, a race between two reviewers, and
//! objects out of reach.

use techreg::core::Scope;
use techreg_tests::{PASSWORD, TestApp};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake but typed";

#[tokio::test]
async fn a_claim_is_proven_rejected_corrected_and_approved() {
    let app = TestApp::spawn().await;
    app.create_user("city1", "13900050001", "city_officer", Scope::All, false)
        .await;
    app.create_user("city2", "13900050002", "city_officer", Scope::All, false)
        .await;
    let applicant = app
        .register_enterprise(
            "zhouba",
            "13900050010",
            "91310110MA1CLAM01",
            "上海认领测试有限公司",
            "310110",
        )
        .await;
    let home = applicant.get("/my").await;
    assert!(home.body.contains("待核验") && home.body.contains("/my/claim"));

    // Bad uploads change nothing.
    let r = app.upload_claim(&applicant, None, None).await;
    assert_eq!(r.status, 422);
    assert!(r.body.matches("请选择文件").count() == 2);
    let r = app
        .upload_claim(&applicant, Some(b"MZ\x90\x00 not a pdf"), Some(PNG))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("只接受 PDF、PNG 或 JPEG 文件"));
    assert_eq!(
        app.count("stored_file").await,
        0,
        "nothing stored when the upload fails"
    );
    let r = app.upload_claim(&applicant, Some(PDF), Some(PNG)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = applicant.get("/my/claim").await;
    assert!(
        page.text_of("#claim-status")
            .unwrap()
            .contains("待登记处核验")
    );
    // Files are stored encrypted, under their SM3 digest.
    let digest = hex::encode(techreg::security::crypto::sm3(PDF));
    let on_disk = std::fs::read(
        app.data_dir
            .path()
            .join("files")
            .join(&digest[..2])
            .join(&digest),
    )
    .unwrap();
    assert!(!on_disk.windows(8).any(|w| w == b"%PDF-1.7"));

    // The applicant is not staff.
    assert_eq!(applicant.get("/review/claims").await.status, 403);
    assert_eq!(
        applicant.get("/review/claims/1/file/licence").await.status,
        403
    );

    let staff = app.client();
    app.login(&staff, "city1", PASSWORD, "13900050001").await;
    let queue = staff.get("/review/claims").await;
    assert!(queue.body.contains("上海认领测试有限公司"));
    let review = staff.get("/review/claims/1").await;
    assert!(review.body.contains("139****0010"));
    let file = staff.get("/review/claims/1/file/licence").await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_bytes(), PDF);
    assert_eq!(staff.get("/review/claims/99").await.status, 404);

    let r = staff
        .post_form(
            "/review/claims/1/reject",
            &[("version", "1"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写不通过原因"));
    let r = staff
        .post_form(
            "/review/claims/1/reject",
            &[("version", "1"), ("reason", "授权书未加盖公章")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = applicant.get("/my/claim").await;
    assert!(page.body.contains("授权书未加盖公章"));
    let r = app
        .upload_claim(&applicant, Some(PDF), Some(b"%PDF-1.4 stamped letter"))
        .await;
    assert_eq!(r.status, 303);

    // Two reviewers act on the same version: one wins, the other is told.
    let staff2 = app.client();
    app.login(&staff2, "city2", PASSWORD, "13900050002").await;
    staff.get("/review/claims/1").await;
    staff2.get("/review/claims/1").await;
    let first = staff
        .post_form("/review/claims/1/approve", &[("version", "3")])
        .await;
    let second = staff2
        .post_form("/review/claims/1/approve", &[("version", "3")])
        .await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(second.status, 409);
    assert!(second.body.contains("已由他人处理"));
    assert_eq!(
        app.count("audit_log WHERE action = 'claim.approve'").await,
        1
    );

    // The applicant is now the enterprise admin.
    let home = applicant.get("/my").await;
    assert!(
        home.body.contains("正常") && home.body.contains("企业管理员"),
        "{}",
        home.body
    );
}

#[tokio::test]
async fn an_individual_has_no_claim_and_a_double_submit_has_one_effect() {
    let app = TestApp::spawn().await;
    app.create_user("plain", "13900050020", "inspector", Scope::All, false)
        .await;
    let c = app.client();
    app.login(&c, "plain", PASSWORD, "13900050020").await;
    assert_eq!(c.get("/my/claim").await.status, 404);

    let applicant = app
        .register_enterprise(
            "double",
            "13900050021",
            "91310110MA1CLAM02",
            "上海认领测试有限公司",
            "310110",
        )
        .await;
    let r1 = app.upload_claim(&applicant, Some(PDF), Some(PNG)).await;
    assert_eq!(r1.status, 303);
    // The same form sent again (old version): refused, nothing changes.
    let token = applicant.csrf_token().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("version", "0")
        .part("licence", reqwest::multipart::Part::bytes(PDF.to_vec()))
        .part("letter", reqwest::multipart::Part::bytes(PNG.to_vec()));
    let r2 = applicant
        .send(
            applicant
                .request(
                    reqwest::Method::POST,
                    &format!("/my/claim?csrf_token={token}"),
                )
                .multipart(form),
        )
        .await;
    assert_eq!(r2.status, 422);
    assert_eq!(
        app.count("audit_log WHERE action = 'claim.submit'").await,
        1
    );
}

#[tokio::test]
async fn a_claim_goes_to_the_office_responsible_for_the_enterprise() {
    let app = TestApp::spawn().await;
    let yangpu = app.create_office("310110", "杨浦区技术合同登记处").await;
    let xuhui = app.create_office("310104", "徐汇区技术合同登记处").await;
    app.create_user(
        "clerk_yp",
        "13900050031",
        "office_clerk",
        Scope::Office(yangpu),
        false,
    )
    .await;
    app.create_user(
        "clerk_xh",
        "13900050032",
        "office_clerk",
        Scope::Office(xuhui),
        false,
    )
    .await;
    // The helper registers in 杨浦区 (310110).
    let applicant = app
        .register_enterprise(
            "routed",
            "13900050033",
            "91310110MA1CLAM03",
            "上海认领测试有限公司",
            "310110",
        )
        .await;
    assert_eq!(
        app.upload_claim(&applicant, Some(PDF), Some(PNG))
            .await
            .status,
        303
    );

    let other = app.client();
    app.login(&other, "clerk_xh", PASSWORD, "13900050032").await;
    assert!(
        !other
            .get("/review/claims")
            .await
            .body
            .contains("上海认领测试有限公司")
    );
    assert_eq!(
        other.get("/review/claims/1").await.status,
        404,
        "another office's claim"
    );
    assert_eq!(other.get("/review/claims/1/file/licence").await.status, 404);
    assert_eq!(
        other
            .post_form("/review/claims/1/approve", &[("version", "1")])
            .await
            .status,
        404
    );

    let own = app.client();
    app.login(&own, "clerk_yp", PASSWORD, "13900050031").await;
    assert!(
        own.get("/review/claims")
            .await
            .body
            .contains("上海认领测试有限公司")
    );
    own.get("/review/claims/1").await;
    let r = own
        .post_form("/review/claims/1/approve", &[("version", "1")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}
