//! Registration certificates: issuance through the service, public
//! verification by number and code, the JSON APIs checked with an
//! independent SM2 implementation (sm-crypto), status changes and the PDF.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use techreg::contracts::certificate::service::{self, CertError, Issued, Status, Which};
use techreg::contracts::certificate::{CertifiedData, PartyRef, canonical_text};
use techreg_entities::contract::certificate;
use techreg_tests::TestApp;

const NUMBER: &str = "2026310115000123";
const NAME: &str = "“智能制造”工艺优化技术开发合同";

fn data(number: &str) -> CertifiedData {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    CertifiedData {
        registration_number: number.into(),
        approval_code: "JS310000-2026-000123".into(),
        contract_name: NAME.into(),
        contract_number: "HT-2026/001".into(),
        category: "development".into(),
        category_label: "技术开发".into(),
        subtype_label: "委托开发".into(),
        signed_on: d(2026, 3, 1),
        valid_from: d(2026, 3, 2),
        valid_to: d(2027, 3, 1),
        sellers: vec![PartyRef {
            name: "上海示例科技有限公司".into(),
            credit_code: Some("91310115MA1H7ABCDE".into()),
        }],
        buyers: vec![PartyRef {
            name: "浙江买方制造有限公司".into(),
            credit_code: Some("91330100MA2FGHIJKL".into()),
        }],
        deal_amount_fen: 123_456_789,
        tech_amount_fen: 100_000_000,
        office_code: "310115".into(),
        office_name: "浦东新区技术合同登记处".into(),
        registered_on: d(2026, 11, 29),
    }
}

/// Issues inside a transaction, as the final approval does.
async fn issue(app: &TestApp, contract_id: i64, d: &CertifiedData) -> Result<Issued, CertError> {
    let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
    let issued =
        service::issue(&txn, &app.state, contract_id, d, app.state.core.clock.now()).await?;
    txn.commit().await.unwrap();
    Ok(issued)
}

/// DER for an SM2 signature given as r‖s, written here so the check does not
/// lean on the application's crypto module.
fn der_from_rs(sig: &[u8]) -> Vec<u8> {
    fn int(bytes: &[u8]) -> Vec<u8> {
        let mut b: Vec<u8> = bytes.iter().copied().skip_while(|&x| x == 0).collect();
        if b.is_empty() || b[0] & 0x80 != 0 {
            b.insert(0, 0);
        }
        let mut out = vec![0x02, b.len() as u8];
        out.extend(b);
        out
    }
    let body: Vec<u8> = [int(&sig[..32]), int(&sig[32..])].concat();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

fn sm_crypto_verifies(public_key_hex: &str, message: &str, signature_hex: &str) -> bool {
    let sig = hex::decode(signature_hex).unwrap();
    assert_eq!(sig.len(), 64, "r‖s");
    sm_crypto::sm2::Verify::new(public_key_hex).verify_der(
        message.as_bytes(),
        &der_from_rs(&sig),
        true,
    )
}

#[tokio::test]
async fn a_certificate_verifies_publicly_and_its_signature_checks_out_independently() {
    let app = TestApp::spawn().await;
    let d = data(NUMBER);
    let issued = issue(&app, 41, &d).await.unwrap();
    assert_eq!(issued.registration_number, NUMBER);
    assert_eq!(issued.verification_code.len(), 8);
    let code = issued.verification_code.clone();
    let c = app.client();

    // The right code: status and the minimal data, nothing more.
    let r = c.get(&format!("/verify/{NUMBER}?code={code}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text_of(".cert-status").as_deref(), Some("有效"));
    assert_eq!(r.text_of(".cert-name").as_deref(), Some(NAME));
    assert_eq!(r.text_of(".cert-number").as_deref(), Some(NUMBER));
    assert!(r.body.contains("上海示例科技有限公司"));
    assert!(r.body.contains("浙江买方制造有限公司"));
    assert!(r.body.contains("2026-11-29"));
    for private in ["91310115MA1H7ABCDE", "1234567", "HT-2026/001", "JS310000"] {
        assert!(!r.body.contains(private), "{private} is not shown");
    }
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // Codes are read case-insensitively, like every code on the site.
    let lower = c
        .get(&format!("/verify/{NUMBER}?code={}", code.to_lowercase()))
        .await;
    assert_eq!(lower.status, 200);
    assert_eq!(lower.text_of(".cert-status").as_deref(), Some("有效"));

    // Without a code: a request for it, nothing about the certificate.
    let r = c.get(&format!("/verify/{NUMBER}")).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("请输入核验码"));
    assert!(!r.body.contains(NAME) && !r.body.contains("有效"));

    // A wrong code and an unknown number look the same and reveal nothing.
    let wrong = c.get(&format!("/verify/{NUMBER}?code=ZZZZ2345")).await;
    let unknown = c
        .get(&format!("/verify/2026310115999999?code={code}"))
        .await;
    for r in [&wrong, &unknown] {
        assert_eq!(r.status, 404);
        assert!(r.body.contains("请提供正确的核验码"));
        assert!(!r.body.contains(NAME));
        assert!(!r.body.contains("上海示例科技有限公司"));
        assert!(r.text_of(".cert-status").is_none());
    }
    assert_eq!(wrong.text_of("#verify"), unknown.text_of("#verify"));
    assert_eq!(wrong.text_of(".result"), unknown.text_of(".result"));

    // The API: the exact signed text, the signature and the key id.
    let api = c
        .get(&format!("/api/certificates/{NUMBER}?code={code}"))
        .await;
    assert_eq!(api.status, 200);
    let j = api.json();
    assert_eq!(j["status"], "valid");
    assert_eq!(j["registration_number"], NUMBER);
    assert_eq!(j["canonical_version"], "1");
    assert_eq!(j["algorithm"], "SM2-with-SM3");
    assert_eq!(j["user_id"], "1234567812345678");
    let text = j["canonical_text"].as_str().unwrap().to_owned();
    assert_eq!(text, canonical_text(&d));
    assert!(text.contains(r#""tech_amount_fen":100000000"#));
    let signature = j["signature"].as_str().unwrap().to_owned();
    assert_eq!(signature.len(), 128);

    let wrong_api = c
        .get(&format!("/api/certificates/{NUMBER}?code=ZZZZ2345"))
        .await;
    let unknown_api = c
        .get(&format!("/api/certificates/2026310115999999?code={code}"))
        .await;
    let no_code_api = c.get(&format!("/api/certificates/{NUMBER}")).await;
    for r in [&wrong_api, &unknown_api, &no_code_api] {
        assert_eq!(r.status, 404);
        assert_eq!(r.body, wrong_api.body);
        assert!(!r.body.contains(NAME) && !r.body.contains("canonical"));
    }

    // The key list, then an independent check with sm-crypto.
    let keys = c.get("/api/keys").await;
    assert_eq!(keys.status, 200);
    let keys = keys.json();
    let list = keys.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let key = list
        .iter()
        .find(|k| k["key_id"] == j["key_id"])
        .expect("the signer is listed");
    let public_key = key["public_key"].as_str().unwrap();
    assert!(public_key.starts_with("04") && public_key.len() == 130);
    assert_eq!(key["algorithm"], "SM2-with-SM3");
    assert!(key["valid_from"].is_string());
    assert!(key["valid_to"].is_null());
    assert!(sm_crypto_verifies(public_key, &text, &signature));
    // Any change to the text breaks the signature.
    let tampered = text.replace("100000000", "900000000");
    assert_ne!(tampered, text);
    assert!(!sm_crypto_verifies(public_key, &tampered, &signature));
    let renamed = text.replace("智能制造", "智能制道");
    assert!(!sm_crypto_verifies(public_key, &renamed, &signature));

    // Revocation shows on the public page and in the API.
    let txn = techreg::core::db::begin(&app.state.core.db).await.unwrap();
    let row = service::set_status(
        &txn,
        NUMBER,
        Status::Revoked,
        "以欺骗手段取得登记",
        app.state.core.clock.now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(row.status, "revoked");
    assert!(row.status_changed_at.is_some());
    let r = c.get(&format!("/verify/{NUMBER}?code={code}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text_of(".cert-status").as_deref(), Some("已撤销"));
    let api = c
        .get(&format!("/api/certificates/{NUMBER}?code={code}"))
        .await;
    assert_eq!(api.json()["status"], "revoked");
    // The signed text does not change with the status.
    assert_eq!(api.json()["canonical_text"].as_str(), Some(text.as_str()));

    for (status, label) in [
        (Status::Changed, "已变更"),
        (Status::Cancelled, "已注销"),
        (Status::Valid, "有效"),
    ] {
        service::set_status(
            &app.state.core.db,
            NUMBER,
            status,
            "",
            app.state.core.clock.now(),
        )
        .await
        .unwrap();
        let r = c.get(&format!("/verify/{NUMBER}?code={code}")).await;
        assert_eq!(r.text_of(".cert-status").as_deref(), Some(label));
    }
    assert!(matches!(
        service::set_status(
            &app.state.core.db,
            "2026310115999999",
            Status::Revoked,
            "",
            app.state.core.clock.now()
        )
        .await,
        Err(CertError::NotFound)
    ));
}

#[tokio::test]
async fn the_code_is_never_stored_in_clear_and_numbers_are_not_reused() {
    let app = TestApp::spawn().await;
    let issued = issue(&app, 7, &data(NUMBER)).await.unwrap();
    let row = certificate::Entity::find_by_id(issued.certificate_id)
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.contract_id, 7);
    assert_eq!(row.status, "valid");
    assert_eq!(row.verification_code_hash.len(), 64);
    // Nowhere in the row, in any column.
    let backend = app.state.core.db.get_database_backend();
    let hits = app
        .state
        .core
        .db
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT id FROM certificate WHERE verification_code_hash LIKE '%{c}%' \
                 OR canonical_text LIKE '%{c}%' OR signature_hex LIKE '%{c}%' \
                 OR status_reason LIKE '%{c}%' OR pdf_digest LIKE '%{c}%'",
                c = issued.verification_code
            ),
        ))
        .await
        .unwrap();
    assert!(hits.is_empty());

    // A second certificate under the same number is refused; nothing written.
    let again = issue(&app, 8, &data(NUMBER)).await;
    assert!(matches!(again, Err(CertError::Duplicate)), "{again:?}");
    let bad = issue(&app, 9, &data("2026/31<x>")).await;
    assert!(matches!(bad, Err(CertError::BadNumber)), "{bad:?}");
    let lower = issue(&app, 9, &data("2026-sh-0001")).await;
    assert!(matches!(lower, Err(CertError::BadNumber)), "{lower:?}");
    assert_eq!(app.count("certificate").await, 1);

    // Two certificates get different codes.
    let other = issue(&app, 8, &data("2026310115000124")).await.unwrap();
    assert_ne!(other.verification_code, issued.verification_code);
    let c = app.client();
    let r = c
        .get(&format!(
            "/verify/2026310115000124?code={}",
            issued.verification_code
        ))
        .await;
    assert_eq!(r.status, 404, "a code opens only its own certificate");
}

#[tokio::test]
async fn the_pdf_is_small_parses_and_is_stored_encrypted() {
    let app = TestApp::spawn().await;
    let issued = issue(&app, 55, &data(NUMBER)).await.unwrap();
    let pdf = &issued.pdf;
    assert!(pdf.starts_with(b"%PDF"));
    assert!(
        pdf.len() < 300 * 1024,
        "font subset keeps it small: {} bytes",
        pdf.len()
    );
    let doc = lopdf::Document::load_mem(pdf).expect("PDF parses");
    assert_eq!(doc.get_pages().len(), 1);
    // The document title carries the registration number.
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let title = doc
        .get_object(info)
        .unwrap()
        .as_dict()
        .unwrap()
        .get(b"Title")
        .unwrap();
    let title = lopdf::decode_text_string(title).unwrap();
    assert!(title.contains(NUMBER), "{title}");
    assert!(title.contains("上海市技术合同认定登记证明"));
    // The page text (through the font's ToUnicode map) has the data.
    let text = doc.extract_text(&[1]).expect("text extracts");
    let flat: String = text.split_whitespace().collect();
    let code_line = format!("核验码：{}", issued.verification_code);
    for expected in [
        NUMBER,
        "上海市技术合同认定登记证明",
        "1,234,567.89",
        NAME,
        "技术合同认定登记专用章",
        &code_line,
    ] {
        assert!(flat.contains(expected), "{expected} in {flat}");
    }
    // A font is embedded, as a subset.
    assert!(pdf.windows(9).any(|w| w == b"FontFile2"));

    // Stored content-addressed and encrypted; downloads give the same bytes.
    assert_eq!(app.count("stored_file").await, 1);
    let on_disk = std::fs::read(
        app.state
            .core
            .config
            .data_dir
            .join("files")
            .join(&issued.pdf_digest[..2])
            .join(&issued.pdf_digest),
    )
    .unwrap();
    assert!(!on_disk.starts_with(b"%PDF"), "encrypted at rest");
    let by_contract = service::pdf(&app.state.core.db, &app.state, Which::Contract(55))
        .await
        .unwrap();
    assert_eq!(&by_contract, pdf);
    let by_id = service::pdf(
        &app.state.core.db,
        &app.state,
        Which::Certificate(issued.certificate_id),
    )
    .await
    .unwrap();
    assert_eq!(&by_id, pdf);
    assert!(matches!(
        service::pdf(&app.state.core.db, &app.state, Which::Contract(56)).await,
        Err(CertError::NotFound)
    ));
}

#[tokio::test]
async fn a_missing_font_fails_issuance_and_writes_nothing() {
    let app = TestApp::spawn_with(|c| {
        c.certificate.font_path = "/nonexistent/font.ttc".into();
    })
    .await;
    let r = issue(&app, 1, &data(NUMBER)).await;
    assert!(matches!(r, Err(CertError::Pdf(_))), "{r:?}");
    assert_eq!(app.count("certificate").await, 0);
    assert_eq!(app.count("stored_file").await, 0);
}

#[tokio::test]
async fn the_verify_form_leads_to_the_certificate_page() {
    let app = TestApp::spawn().await;
    let issued = issue(&app, 3, &data(NUMBER)).await.unwrap();
    let c = app.client();
    let code = issued.verification_code.to_lowercase();
    let r = c.get(&format!("/verify?number={NUMBER}&code={code}")).await;
    assert_eq!(r.status, 303);
    let location = r.header("location").unwrap().to_owned();
    assert_eq!(
        location,
        format!("/verify/{NUMBER}?code={}", issued.verification_code)
    );
    let page = c.get(&location).await;
    assert_eq!(page.text_of(".cert-status").as_deref(), Some("有效"));
    // From the htmx form: a full navigation.
    let r = c
        .htmx_get(&format!("/verify?number={NUMBER}&code={code}"))
        .await;
    assert_eq!(r.header("hx-redirect"), Some(location.as_str()));
    // Bad input still comes back inline.
    let r = c.htmx_get(&format!("/verify?number={NUMBER}&code=")).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写核验码"));
    assert!(!r.body.contains("<html"));
}

#[tokio::test]
async fn guesses_are_limited_per_address_even_for_the_right_code() {
    let app = TestApp::spawn().await;
    let issued = issue(&app, 3, &data(NUMBER)).await.unwrap();
    let c = app.client();
    for i in 0..30 {
        let r = c.get(&format!("/verify/{NUMBER}?code=WRONG{:03}", i)).await;
        assert_eq!(r.status, 404, "attempt {i}");
    }
    let r = c
        .get(&format!(
            "/verify/{NUMBER}?code={}",
            issued.verification_code
        ))
        .await;
    assert_eq!(r.status, 429);
    assert!(r.body.contains("核验次数过多"));
    assert!(!r.body.contains(NAME));
    let api = c
        .get(&format!(
            "/api/certificates/{NUMBER}?code={}",
            issued.verification_code
        ))
        .await;
    assert_eq!(api.status, 429);
    assert!(!api.body.contains("canonical"));
    // Asking for the form costs nothing.
    assert_eq!(c.get(&format!("/verify/{NUMBER}")).await.status, 200);
}

#[tokio::test]
async fn the_key_list_is_published_before_the_first_certificate() {
    let app = TestApp::spawn().await;
    let keys = app.client().get("/api/keys").await;
    assert_eq!(keys.status, 200);
    let list = keys.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let (key_id, public) = app.state.keys.seal_public_key();
    assert_eq!(list[0]["key_id"], key_id.as_str());
    assert_eq!(list[0]["public_key"], hex::encode(public).as_str());
    assert!(list[0]["valid_from"].is_null() && list[0]["valid_to"].is_null());
}
