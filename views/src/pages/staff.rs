//! Office staff management (F46): current staff, grant and revoke
//! positions, moves between offices, the dated posting history.

use maud::{Markup, html};

use super::identity::FormState;
use crate::components::{Field, csrf_field, field};

pub struct OfficeChoice {
    pub id: i64,
    pub name: String,
}

pub struct PositionOption {
    pub code: String,
    pub name: String,
}

pub struct HeldPosition {
    pub code: String,
    pub name: String,
    /// The service point's name, empty for a position at the office.
    pub place: String,
    /// Start of the open posting (`YYYY-MM-DD`), "—" when unknown.
    pub since: String,
    /// Shown with a revoke form (office positions this user may revoke).
    pub revocable: bool,
    /// Where it is managed instead (a service point's page).
    pub manage_href: Option<String>,
}

pub struct Member {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub positions: Vec<HeldPosition>,
}

pub struct PostingRow {
    pub username: String,
    pub display_name: String,
    pub position: String,
    pub place: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub actor: String,
}

pub struct ServicePointLink {
    pub id: i64,
    pub name: String,
    pub status: &'static str,
}

pub struct OfficeStaff<'a> {
    pub office_id: i64,
    pub office_name: &'a str,
    pub members: &'a [Member],
    pub history: &'a [PostingRow],
    /// Positions this user may grant here.
    pub grantable: &'a [PositionOption],
    /// All office positions (for moves).
    pub positions: &'a [PositionOption],
    /// Offices to choose from (system admin): selector and move target.
    pub offices: &'a [OfficeChoice],
    pub can_move: bool,
    pub service_points: &'a [ServicePointLink],
    pub today: &'a str,
}

pub struct Forms<'a> {
    pub grant: &'a FormState,
    pub revoke: &'a FormState,
    pub moving: &'a FormState,
}

fn message(form: &FormState, id: &str) -> Markup {
    html! {
        @if let Some(m) = &form.message { div.flash.flash-error role="alert" id=(id) { (m) } }
    }
}

fn text(form: &FormState, name: &str, label: &str, hint: Option<&str>) -> Markup {
    field(&Field {
        name,
        label,
        value: form.value(name),
        error: form.error(name),
        required: true,
        input_type: "text",
        hint,
    })
}

fn select_error(form: &FormState, name: &str) -> Markup {
    html! {
        @if let Some(e) = form.error(name) { p.error id={ "f-" (name) "-error" } { (e) } }
    }
}

/// The office selector of a STAFF_MANAGE holder for all offices.
pub fn selector(offices: &[OfficeChoice], current: Option<i64>) -> Markup {
    html! {
        form.inline method="get" action="/admin/staff" #office-selector {
            label for="office" { "登记处" }
            select #office name="office" {
                @for o in offices {
                    option value=(o.id) selected[current == Some(o.id)] { (o.name) }
                }
            }
            button.button type="submit" { "查看" }
        }
    }
}

/// A system admin's start page: pick an office.
pub fn choose_office(offices: &[OfficeChoice]) -> Markup {
    html! {
        section.panel #staff-offices {
            h1 { "人员管理" }
            p { "请选择登记处，查看和管理其人员。" }
            (selector(offices, None))
        }
    }
}

pub fn office_staff(csrf: &str, page: &OfficeStaff<'_>, forms: &Forms<'_>) -> Markup {
    let office = page.office_id.to_string();
    html! {
        section.panel #staff {
            h1 { (page.office_name) " · 人员管理" }
            @if !page.offices.is_empty() { (selector(page.offices, Some(page.office_id))) }
            @if !page.service_points.is_empty() {
                p #service-points {
                    "服务点："
                    @for (i, s) in page.service_points.iter().enumerate() {
                        @if i > 0 { "、" }
                        a href={ "/admin/service-points/" (s.id) } { (s.name) } "（" (s.status) "）"
                    }
                }
            }
            h2 { "现有人员" }
            (message(forms.revoke, "revoke-message"))
            table.data #current-staff {
                thead { tr { th { "用户名" } th { "姓名" } th { "岗位" } th { "任职起始" } th { "撤销（须填原因）" } } }
                tbody {
                    @for m in page.members {
                        @for (i, p) in m.positions.iter().enumerate() {
                            tr {
                                @if i == 0 {
                                    td rowspan=(m.positions.len()) { (m.username) }
                                    td rowspan=(m.positions.len()) { (m.display_name) }
                                }
                                td { (p.name) @if !p.place.is_empty() { "（" (p.place) "）" } }
                                td { (p.since) }
                                td {
                                    @if p.revocable {
                                        form.inline method="post" action="/admin/staff/revoke" novalidate {
                                            (csrf_field(csrf))
                                            input type="hidden" name="office" value=(office);
                                            input type="hidden" name="user" value=(m.user_id);
                                            input type="hidden" name="position" value=(p.code);
                                            input id={ "r-" (m.user_id) "-" (p.code) } type="text" name="reason" placeholder="撤销原因" aria-label="撤销原因" required;
                                            button.button type="submit" { "撤销" }
                                        }
                                    } @else if let Some(href) = &p.manage_href {
                                        a href=(href) { "在服务点页面管理" }
                                    }
                                }
                            }
                        }
                    }
                    @if page.members.is_empty() { tr { td colspan="5" { "（暂无人员）" } } }
                }
            }
            h2 { "授予岗位" }
            @if page.grantable.is_empty() {
                p { "您没有可授予的岗位。" }
            } @else {
                (message(forms.grant, "grant-message"))
                form method="post" action="/admin/staff/grant" novalidate #grant {
                    (csrf_field(csrf))
                    input type="hidden" name="office" value=(office);
                    (text(forms.grant, "username", "用户名", Some("须为已有的工作人员账号；新账号由系统管理员在“用户管理”中创建")))
                    div.field.has-error[forms.grant.error("position").is_some()] {
                        label for="f-position" { "岗位" }
                        select #f-position name="position" {
                            @for p in page.grantable {
                                option value=(p.code) selected[forms.grant.value("position") == p.code] { (p.name) }
                            }
                        }
                        (select_error(forms.grant, "position"))
                    }
                    (text(forms.grant, "reason", "原因", None))
                    button.button.primary type="submit" { "授予" }
                }
            }
            @if page.can_move {
                h2 { "人员调动" }
                p.hint { "把本登记处的一名人员调往另一登记处：原登记处（含其服务点）的全部岗位于生效日结束，新岗位于生效日开始。" }
                (message(forms.moving, "move-message"))
                form method="post" action="/admin/staff/move" novalidate #move {
                    (csrf_field(csrf))
                    input type="hidden" name="from_office" value=(office);
                    div.field.has-error[forms.moving.error("user").is_some()] {
                        label for="f-user" { "人员" }
                        select #f-user name="user" {
                            @for m in page.members {
                                option value=(m.user_id) selected[forms.moving.value("user") == m.user_id.to_string()] { (m.display_name) "（" (m.username) "）" }
                            }
                        }
                        (select_error(forms.moving, "user"))
                    }
                    div.field.has-error[forms.moving.error("to_office").is_some()] {
                        label for="f-to-office" { "调往登记处" }
                        select #f-to-office name="to_office" {
                            option value="" { "（请选择）" }
                            @for o in page.offices.iter().filter(|o| o.id != page.office_id) {
                                option value=(o.id) selected[forms.moving.value("to_office") == o.id.to_string()] { (o.name) }
                            }
                        }
                        (select_error(forms.moving, "to_office"))
                    }
                    fieldset.field.has-error[forms.moving.error("positions").is_some()] {
                        legend { "新岗位" }
                        @for p in page.positions {
                            label {
                                input type="checkbox" name="positions" value=(p.code)
                                    checked[forms.moving.values.iter().any(|(k, v)| k == "positions" && v == &p.code)];
                                " " (p.name)
                            }
                        }
                        (select_error(forms.moving, "positions"))
                    }
                    (field(&Field {
                        name: "effective",
                        label: "生效日期",
                        value: if forms.moving.value("effective").is_empty() { page.today } else { forms.moving.value("effective") },
                        error: forms.moving.error("effective"),
                        required: true,
                        input_type: "date",
                        hint: Some("不晚于今天"),
                    }))
                    (text(forms.moving, "reason", "原因", None))
                    button.button type="submit" { "调动" }
                }
            }
            h2 { "任职历史" }
            (history(page.history))
        }
    }
}

/// Postings, newest first.
pub fn history(rows: &[PostingRow]) -> Markup {
    html! {
        table.data #history {
            thead { tr { th { "用户名" } th { "姓名" } th { "岗位" } th { "地点" } th { "起" } th { "止" } th { "原因" } th { "操作人" } } }
            tbody {
                @for r in rows {
                    tr {
                        td { (r.username) } td { (r.display_name) } td { (r.position) } td { (r.place) }
                        td { (r.from) } td { @if r.to.is_empty() { "至今" } @else { (r.to) } }
                        td { (r.reason) } td { (r.actor) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="8" { "（暂无记录）" } } }
            }
        }
    }
}
