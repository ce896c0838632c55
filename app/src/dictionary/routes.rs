//! Dictionary maintenance (system admin): list of dictionaries, entries with
//! search and filter, add, edit (version check), deactivate / reactivate,
//! delete when nothing refers to the entry. Every change is audited in its
//! own transaction, which also bumps the cache version for all nodes.

use std::collections::BTreeMap;

use poem::http::StatusCode;
use poem::web::{Form, Path, Query};
use poem::{Response, Route, get, handler, post};
use sea_orm::{EntityTrait, QueryOrder, SqlErr};
use serde::Deserialize;
use serde_json::{Value, json};
use techreg_entities::system::{dictionary, dictionary_entry};
use techreg_views::components::{Crumb, Flash, FlashKind};
use techreg_views::pages::dictionaries::{
    self as pages, DeleteBlockers, DictionaryHead, DictionaryRow, EntryDetail, EntryRow,
    ParentOption,
};
use techreg_views::pages::identity::FormState;

use super::references;
use super::service::{self, EntryEdit, LABEL_MAX, NewEntry, ancestors, load_entries};
use crate::audit::{self, Entry, Outcome};
use crate::core::Caller;
use crate::security::rbac::perm;
use crate::web::form::from_pairs as form_from;
use crate::web::{Ctx, WebError};

type Fields = Form<Vec<(String, String)>>;

pub const CONFLICT: &str = "该条目已由他人处理，请刷新后重试。";
const SORT_MAX: i32 = 999_999;

pub fn routes(route: Route) -> Route {
    route
        .at("/admin/dictionaries", get(list_page))
        .at(
            "/admin/dictionaries/:code",
            get(dictionary_page).post(add_post),
        )
        .at(
            "/admin/dictionaries/:code/entries/:id",
            get(entry_page).post(edit_post),
        )
        .at(
            "/admin/dictionaries/:code/entries/:id/deactivate",
            post(deactivate_post),
        )
        .at(
            "/admin/dictionaries/:code/entries/:id/reactivate",
            post(reactivate_post),
        )
        .at(
            "/admin/dictionaries/:code/entries/:id/delete",
            post(delete_post),
        )
}

fn crumbs(dict: Option<&dictionary::Model>) -> Vec<Crumb> {
    let mut out = vec![
        Crumb {
            label: "工作台".into(),
            href: Some("/my".into()),
        },
        Crumb {
            label: "数据字典".into(),
            href: Some("/admin/dictionaries".into()),
        },
    ];
    if let Some(d) = dict {
        out.push(Crumb {
            label: d.name.clone(),
            href: Some(format!("/admin/dictionaries/{}", d.code)),
        });
    }
    out
}

fn head(d: &dictionary::Model) -> DictionaryHead<'_> {
    DictionaryHead {
        code: &d.code,
        name: &d.name,
        description: &d.description,
    }
}

fn snapshot(e: &dictionary_entry::Model) -> Value {
    json!({
        "dictionary": e.dictionary_code, "code": e.code, "label": e.label,
        "parent_code": e.parent_code, "sort_order": e.sort_order, "active": e.active,
    })
}

fn object_id(e: &dictionary_entry::Model) -> String {
    format!("{}/{}", e.dictionary_code, e.code)
}

fn version_of(form: &FormState) -> i32 {
    form.value("version").trim().parse().unwrap_or(-1)
}

async fn find_dictionary(ctx: &Ctx, code: &str) -> Result<dictionary::Model, WebError> {
    service::find_dictionary(&ctx.state.core.db, code)
        .await?
        .ok_or(WebError::NotFound)
}

async fn find_entry(ctx: &Ctx, dict: &str, id: i64) -> Result<dictionary_entry::Model, WebError> {
    service::find_entry(&ctx.state.core.db, dict, id)
        .await?
        .ok_or(WebError::NotFound)
}

/// Entries that may become the parent of `of` (all but itself and its
/// descendants), inactive ones marked.
fn parent_options(all: &[dictionary_entry::Model], of: Option<&str>) -> Vec<ParentOption> {
    service::tree_order(all, |e| &e.code, |e| e.parent_code.as_deref())
        .into_iter()
        .filter(|(_, e)| match of {
            Some(code) => e.code != code && !ancestors(all, &e.code).iter().any(|a| a == code),
            None => true,
        })
        .map(|(depth, e)| {
            let mut label = format!("{}{}", "　".repeat(depth), e.label);
            if !e.active {
                label.push_str("（已停用）");
            }
            (e.code.clone(), label)
        })
        .collect()
}

/// Checked label, order and parent shared by add and edit.
struct Common {
    label: String,
    sort_order: Option<i32>,
    parent: Option<String>,
}

fn check_common(
    form: &mut FormState,
    all: &[dictionary_entry::Model],
    this: Option<&str>,
) -> Common {
    let label = form.value("label").trim().to_owned();
    if label.is_empty() {
        form.add_error("label", "请填写名称");
    } else if label.chars().count() > LABEL_MAX {
        form.add_error("label", format!("名称不能超过 {LABEL_MAX} 个字"));
    }
    let sort_text = crate::core::text::normalize_code(form.value("sort_order"));
    let sort_order = if sort_text.is_empty() {
        if this.is_some() {
            form.add_error("sort_order", "请填写排序");
        }
        None
    } else {
        match sort_text.parse::<i32>() {
            Ok(n) if (0..=SORT_MAX).contains(&n) => Some(n),
            _ => {
                form.add_error("sort_order", format!("排序须为 0–{SORT_MAX} 之间的整数"));
                None
            }
        }
    };
    let parent_text = crate::core::text::normalize_code(form.value("parent_code"));
    let parent = (!parent_text.is_empty()).then_some(parent_text);
    if let Some(p) = &parent {
        if !all.iter().any(|e| &e.code == p) {
            form.add_error("parent_code", "上级条目不存在于本字典中");
        } else if let Some(code) = this
            && (p == code || ancestors(all, p).iter().any(|a| a == code))
        {
            form.add_error("parent_code", "不能选择本条目或其下级条目作为上级");
        }
    }
    Common {
        label,
        sort_order,
        parent,
    }
}

#[handler]
async fn list_page(ctx: Ctx, user: Caller) -> Result<Response, WebError> {
    user.require(perm::DICTIONARY_MANAGE)?;
    let dicts = dictionary::Entity::find()
        .order_by_asc(dictionary::Column::SortOrder)
        .order_by_asc(dictionary::Column::Code)
        .all(&ctx.state.core.db)
        .await?;
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for e in dictionary_entry::Entity::find()
        .all(&ctx.state.core.db)
        .await?
    {
        let c = counts.entry(e.dictionary_code).or_default();
        c.0 += 1;
        if e.active {
            c.1 += 1;
        }
    }
    let rows: Vec<DictionaryRow> = dicts
        .into_iter()
        .map(|d| {
            let (total, active) = counts.get(&d.code).copied().unwrap_or_default();
            DictionaryRow {
                code: d.code,
                name: d.name,
                description: d.description,
                total,
                active,
            }
        })
        .collect();
    Ok(ctx
        .work(&user, "数据字典", &crumbs(None)[..1], pages::list(&rows))
        .await)
}

#[derive(Deserialize, Default)]
struct EntryQuery {
    q: Option<String>,
    status: Option<String>,
}

async fn dictionary_view(
    ctx: &Ctx,
    user: &Caller,
    dict: &dictionary::Model,
    query: &EntryQuery,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let all = load_entries(&ctx.state.core.db, &dict.code).await?;
    let q = query.q.clone().unwrap_or_default();
    let needle = q.trim().to_lowercase();
    let st = query.status.clone().unwrap_or_default();
    let label_of = |code: &str| {
        all.iter()
            .find(|e| e.code == code)
            .map(|e| format!("{code} {}", e.label))
            .unwrap_or_else(|| code.to_owned())
    };
    let ordered = service::tree_order(&all, |e| &e.code, |e| e.parent_code.as_deref());
    let rows: Vec<EntryRow> = ordered
        .into_iter()
        .filter(|(_, e)| {
            needle.is_empty()
                || e.code.to_lowercase().contains(&needle)
                || e.label.to_lowercase().contains(&needle)
        })
        .filter(|(_, e)| match st.as_str() {
            "active" => e.active,
            "inactive" => !e.active,
            _ => true,
        })
        .map(|(depth, e)| EntryRow {
            id: e.id,
            depth,
            code: e.code.clone(),
            label: e.label.clone(),
            parent: e.parent_code.as_deref().map(label_of).unwrap_or_default(),
            sort_order: e.sort_order,
            active: e.active,
            built_in: e.built_in,
        })
        .collect();
    let filter = pages::Filter { q: &q, status: &st };
    let body = pages::entries(
        &ctx.csrf_token,
        &head(dict),
        &filter,
        &rows,
        form,
        &parent_options(&all, None),
    );
    Ok(ctx
        .work_with_status(status, user, &dict.name, &crumbs(None), body)
        .await)
}

#[handler]
async fn dictionary_page(
    ctx: Ctx,
    user: Caller,
    Path(code): Path<String>,
    Query(q): Query<EntryQuery>,
) -> Result<Response, WebError> {
    user.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(&ctx, &code).await?;
    dictionary_view(
        &ctx,
        &user,
        &dict,
        &q,
        &FormState::default(),
        StatusCode::OK,
    )
    .await
}

#[handler]
async fn add_post(
    ctx: Ctx,
    user: Caller,
    Path(code): Path<String>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(&ctx, &code).await?;
    let all = load_entries(&ctx.state.core.db, &dict.code).await?;
    let mut form = form_from(&fields);
    let entry_code = crate::core::text::normalize_code(form.value("code"));
    if entry_code.is_empty() {
        form.add_error("code", "请填写编码");
    } else if !service::valid_code(&entry_code) {
        form.add_error("code", "编码为 1–20 位字母、数字、“-”或“_”");
    } else if all.iter().any(|e| e.code == entry_code) {
        form.add_error("code", "本字典中已有该编码");
    }
    let common = check_common(&mut form, &all, None);
    if form.has_errors() {
        return dictionary_view(
            &ctx,
            &user,
            &dict,
            &EntryQuery::default(),
            &form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let sort_order = common.sort_order.unwrap_or_else(|| {
        all.iter()
            .map(|e| e.sort_order)
            .max()
            .unwrap_or(0)
            .saturating_add(10)
            .min(SORT_MAX)
    });
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let added = service::add_entry(
        &txn,
        &dict.code,
        NewEntry {
            code: &entry_code,
            label: &common.label,
            parent_code: common.parent.as_deref(),
            sort_order,
            built_in: false,
        },
        &user.user.username,
        now,
    )
    .await;
    let e = match added {
        Ok(e) => e,
        // Added by someone else between the check and the insert.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(txn);
            form.add_error("code", "本字典中已有该编码");
            return dictionary_view(
                &ctx,
                &user,
                &dict,
                &EntryQuery::default(),
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(err) => return Err(err.into()),
    };
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "dictionary.entry_create",
            object_type: Some("dictionary_entry"),
            object_id: Some(object_id(&e)),
            outcome: Outcome::Success,
            detail: snapshot(&e),
        },
    )
    .await?;
    txn.commit().await?;
    ctx.state.dictionaries.invalidate();
    Ok(ctx.redirect(
        &format!("/admin/dictionaries/{}", dict.code),
        Some(Flash {
            kind: FlashKind::Success,
            message: format!("已新增条目 {} {}。", e.code, e.label),
        }),
    ))
}

fn form_of(e: &dictionary_entry::Model) -> FormState {
    FormState {
        values: vec![
            ("label".into(), e.label.clone()),
            ("sort_order".into(), e.sort_order.to_string()),
            (
                "parent_code".into(),
                e.parent_code.clone().unwrap_or_default(),
            ),
        ],
        ..FormState::default()
    }
}

async fn blockers(
    ctx: &Ctx,
    e: &dictionary_entry::Model,
    all: &[dictionary_entry::Model],
) -> Result<DeleteBlockers, WebError> {
    let refs = references::count(&ctx.state.core.db, &e.dictionary_code, &e.code).await?;
    Ok(DeleteBlockers {
        built_in: e.built_in,
        references: refs.into_iter().map(|(l, n)| (l.to_owned(), n)).collect(),
        children: all
            .iter()
            .filter(|c| c.parent_code.as_deref() == Some(e.code.as_str()))
            .count(),
    })
}

async fn entry_view(
    ctx: &Ctx,
    user: &Caller,
    dict: &dictionary::Model,
    e: &dictionary_entry::Model,
    form: &FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let all = load_entries(&ctx.state.core.db, &dict.code).await?;
    let blockers = blockers(ctx, e, &all).await?;
    let detail = EntryDetail {
        id: e.id,
        code: &e.code,
        active: e.active,
        built_in: e.built_in,
        version: e.version,
        updated: crate::core::clock::shanghai_minute(e.updated_at),
        updated_by: &e.updated_by,
    };
    let body = pages::entry(
        &ctx.csrf_token,
        &head(dict),
        &detail,
        form,
        &parent_options(&all, Some(&e.code)),
        &blockers,
    );
    let title = format!("{}：{}", dict.name, e.code);
    Ok(ctx
        .work_with_status(status, user, &title, &crumbs(Some(dict)), body)
        .await)
}

#[handler]
async fn entry_page(
    ctx: Ctx,
    user: Caller,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    user.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(&ctx, &code).await?;
    let e = find_entry(&ctx, &dict.code, id).await?;
    entry_view(&ctx, &user, &dict, &e, &form_of(&e), StatusCode::OK).await
}

#[handler]
async fn edit_post(
    ctx: Ctx,
    user: Caller,
    Path((code, id)): Path<(String, i64)>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(&ctx, &code).await?;
    let before = find_entry(&ctx, &dict.code, id).await?;
    let all = load_entries(&ctx.state.core.db, &dict.code).await?;
    let mut form = form_from(&fields);
    let common = check_common(&mut form, &all, Some(&before.code));
    if form.has_errors() {
        return entry_view(
            &ctx,
            &user,
            &dict,
            &before,
            &form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let changed = service::edit_entry(
        &txn,
        id,
        version_of(&form),
        EntryEdit {
            label: &common.label,
            parent_code: common.parent.as_deref(),
            sort_order: common.sort_order.unwrap_or(before.sort_order),
        },
        &user.user.username,
        now,
    )
    .await?;
    if !changed {
        return Err(WebError::Conflict(CONFLICT.into()));
    }
    let after = service::find_entry(&txn, &dict.code, id)
        .await?
        .ok_or(WebError::NotFound)?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "dictionary.entry_edit",
            object_type: Some("dictionary_entry"),
            object_id: Some(object_id(&after)),
            outcome: Outcome::Success,
            detail: json!({ "before": snapshot(&before), "after": snapshot(&after) }),
        },
    )
    .await?;
    txn.commit().await?;
    ctx.state.dictionaries.invalidate();
    Ok(ctx.redirect(
        &format!("/admin/dictionaries/{}/entries/{id}", dict.code),
        Some(Flash {
            kind: FlashKind::Success,
            message: "已保存，各节点数秒内生效。".into(),
        }),
    ))
}

async fn set_active(
    ctx: Ctx,
    user: Caller,
    code: String,
    id: i64,
    fields: Vec<(String, String)>,
    active: bool,
) -> Result<Response, WebError> {
    user.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(&ctx, &code).await?;
    let before = find_entry(&ctx, &dict.code, id).await?;
    let form = form_from(&fields);
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    if !service::set_active(
        &txn,
        id,
        version_of(&form),
        active,
        &user.user.username,
        now,
    )
    .await?
    {
        return Err(WebError::Conflict(CONFLICT.into()));
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: if active {
                "dictionary.entry_reactivate"
            } else {
                "dictionary.entry_deactivate"
            },
            object_type: Some("dictionary_entry"),
            object_id: Some(object_id(&before)),
            outcome: Outcome::Success,
            detail: json!({ "label": before.label, "active": active }),
        },
    )
    .await?;
    txn.commit().await?;
    ctx.state.dictionaries.invalidate();
    Ok(ctx.redirect(
        &format!("/admin/dictionaries/{}/entries/{id}", dict.code),
        Some(Flash {
            kind: FlashKind::Success,
            message: if active {
                "条目已重新启用。".into()
            } else {
                "条目已停用：新填报的表单中不再出现，已有记录仍显示其名称。".into()
            },
        }),
    ))
}

#[handler]
async fn deactivate_post(
    ctx: Ctx,
    user: Caller,
    Path((code, id)): Path<(String, i64)>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    set_active(ctx, user, code, id, fields, false).await
}

#[handler]
async fn reactivate_post(
    ctx: Ctx,
    user: Caller,
    Path((code, id)): Path<(String, i64)>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    set_active(ctx, user, code, id, fields, true).await
}

#[handler]
async fn delete_post(
    ctx: Ctx,
    user: Caller,
    Path((code, id)): Path<(String, i64)>,
    Form(fields): Fields,
) -> Result<Response, WebError> {
    user.require(perm::DICTIONARY_MANAGE)?;
    let dict = find_dictionary(&ctx, &code).await?;
    let before = find_entry(&ctx, &dict.code, id).await?;
    let form = form_from(&fields);
    if version_of(&form) != before.version {
        return Err(WebError::Conflict(CONFLICT.into()));
    }
    let now = ctx.state.core.clock.now();
    let txn = crate::core::db::begin(&ctx.state.core.db).await?;
    let all = load_entries(&txn, &dict.code).await?;
    let refs = references::count(&txn, &dict.code, &before.code).await?;
    let blocked = DeleteBlockers {
        built_in: before.built_in,
        references: refs.into_iter().map(|(l, n)| (l.to_owned(), n)).collect(),
        children: all
            .iter()
            .filter(|c| c.parent_code.as_deref() == Some(before.code.as_str()))
            .count(),
    };
    if blocked.any() {
        drop(txn);
        let mut shown = form_of(&before);
        shown.message = Some(blocked.message());
        return entry_view(&ctx, &user, &dict, &before, &shown, StatusCode::CONFLICT).await;
    }
    if !service::delete_entry(&txn, id, before.version).await? {
        return Err(WebError::Conflict(CONFLICT.into()));
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry {
            action: "dictionary.entry_delete",
            object_type: Some("dictionary_entry"),
            object_id: Some(object_id(&before)),
            outcome: Outcome::Success,
            detail: snapshot(&before),
        },
    )
    .await?;
    txn.commit().await?;
    ctx.state.dictionaries.invalidate();
    Ok(ctx.redirect(
        &format!("/admin/dictionaries/{}", dict.code),
        Some(Flash {
            kind: FlashKind::Success,
            message: format!("已删除条目 {} {}。", before.code, before.label),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(code: &str, parent: Option<&str>) -> dictionary_entry::Model {
        dictionary_entry::Model {
            id: 0,
            dictionary_code: "d".into(),
            code: code.into(),
            label: code.into(),
            parent_code: parent.map(str::to_owned),
            sort_order: 0,
            active: true,
            built_in: false,
            version: 0,
            updated_at: chrono::Utc::now(),
            updated_by: "t".into(),
        }
    }

    #[test]
    fn an_entry_cannot_move_under_itself_or_its_descendants() {
        let all = [
            model("A", None),
            model("B", Some("A")),
            model("C", Some("B")),
            model("D", None),
        ];
        let options: Vec<String> = parent_options(&all, Some("A"))
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(options, ["D"]);
        for (parent, ok) in [("C", false), ("A", false), ("D", true), ("X", false)] {
            let mut form = FormState {
                values: vec![
                    ("label".into(), "名称".into()),
                    ("sort_order".into(), "10".into()),
                    ("parent_code".into(), parent.into()),
                ],
                ..FormState::default()
            };
            check_common(&mut form, &all, Some("A"));
            assert_eq!(form.error("parent_code").is_none(), ok, "{parent}");
        }
    }
}
