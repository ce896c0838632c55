//! A complete technology contract application, filled step by step through
//! the contract service as its enterprise user would, for tests that need
//! cases in the offices' queues.

use chrono::{Days, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use techreg::contracts::application::{Amounts, Basics, Party, Technology};
use techreg::contracts::service;
use techreg::core::Caller;
use techreg_entities::identity::app_user;

use crate::TestApp;

/// What differs between the applications tests file; `Application::new`
/// gives the rest.
pub struct Application<'a> {
    pub name: &'a str,
    /// `None`: "HT-" and the draft's id.
    pub number: Option<&'a str>,
    pub signed_on: NaiveDate,
    pub seller: &'a str,
    pub seller_code: String,
    pub seller_region: &'a str,
    pub buyer: &'a str,
    pub deal_fen: i64,
    pub deductions: Vec<(String, i64)>,
    pub summary: &'a str,
    /// The contract scan (a PDF).
    pub scan: &'a [u8],
}

pub const SUMMARY: &str = "研制一套基于机器视觉的零件表面缺陷在线检测系统并交付源代码。";
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

impl<'a> Application<'a> {
    /// A development contract signed 30 days before `today` by `seller`
    /// (registered in `seller_region`) with a Pudong buyer.
    pub fn new(
        name: &'a str,
        seller: &'a str,
        seller_code: String,
        seller_region: &'a str,
        today: NaiveDate,
    ) -> Self {
        Application {
            name,
            number: None,
            signed_on: today - Days::new(30),
            seller,
            seller_code,
            seller_region,
            buyer: "上海乙制造有限公司",
            deal_fen: 10_000_000,
            deductions: vec![("设备".into(), 200_000)],
            summary: SUMMARY,
            scan: PDF,
        }
    }
}

/// The user as the service sees a signed-in request.
pub async fn auth_user(app: &TestApp, username: &str) -> Caller {
    let user = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username))
        .one(&app.state.core.db)
        .await
        .unwrap()
        .unwrap();
    let (grants, tampered) =
        techreg::identity::load_grants(&app.state.core.db, app.state.keys.as_ref(), user.id)
            .await
            .unwrap();
    assert!(tampered.is_empty());
    Caller {
        user: (&user).into(),
        grants,
        session_key: String::new(),
        client_ip: "127.0.0.1".into(),
        acting_for: None,
    }
}

/// Saves every step of `a` as a new draft of `user`; returns its id, ready
/// to submit at version 5.
pub async fn fill(app: &TestApp, user: &Caller, a: &Application<'_>) -> i64 {
    let state = &app.state;
    let c = service::create_draft(state, user).await.unwrap();
    let today = techreg::core::clock::shanghai_date(state.core.clock.now());
    let basics = Basics {
        category: "development".into(),
        subtype: "entrusted".into(),
        name: a.name.into(),
        contract_number: a
            .number
            .map(str::to_owned)
            .unwrap_or_else(|| format!("HT-{}", c.id)),
        signed_on: Some(a.signed_on),
        valid_from: Some(a.signed_on),
        valid_to: Some(today + Days::new(300)),
        applicant_side: "seller".into(),
    };
    service::save_basics(state, user, c.id, 0, &basics)
        .await
        .unwrap();
    let parties = [
        Party {
            role: "seller".into(),
            name: a.seller.into(),
            credit_code: Some(a.seller_code.clone()),
            region: Some(a.seller_region.into()),
            legal_form: Some("150".into()),
            country: None,
            contact: "021-55550000".into(),
        },
        Party {
            role: "buyer".into(),
            name: a.buyer.into(),
            credit_code: None,
            region: Some("310115".into()),
            legal_form: Some("160".into()),
            country: None,
            contact: String::new(),
        },
    ];
    service::save_parties(state, user, c.id, 1, &parties)
        .await
        .unwrap();
    let amounts = Amounts {
        deal_amount: Some(a.deal_fen),
        deductions: a.deductions.clone(),
        payment_method: "lump_sum".into(),
        payment_schedule: "验收后一次付清".into(),
    };
    service::save_amounts(state, user, c.id, 2, &amounts)
        .await
        .unwrap();
    let technology = Technology {
        tech_field: "01".into(),
        socio_goal: None,
        project_leader: "张工".into(),
        leader_phone: "13800000000".into(),
        summary: a.summary.into(),
        ip_items: vec![],
    };
    service::save_technology(state, user, c.id, 3, &technology)
        .await
        .unwrap();
    service::add_attachment(state, user, c.id, 4, "contract", "合同.pdf", a.scan)
        .await
        .unwrap()
        .unwrap();
    c.id
}

/// [`fill`], then submits it; returns the submitted case.
pub async fn submit(
    app: &TestApp,
    user: &Caller,
    a: &Application<'_>,
) -> techreg_entities::contract::contract::Model {
    let id = fill(app, user, a).await;
    service::submit(&app.state, user, id, 5, true)
        .await
        .unwrap()
}
