//! Small pieces shared by pages.

use maud::{Markup, html};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    Success,
    Info,
    Warning,
    Error,
}

impl FlashKind {
    pub fn css(self) -> &'static str {
        match self {
            FlashKind::Success => "flash flash-success",
            FlashKind::Info => "flash flash-info",
            FlashKind::Warning => "flash flash-warning",
            FlashKind::Error => "flash flash-error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

pub fn flashes(items: &[Flash]) -> Markup {
    html! {
        @for f in items {
            div class=(f.kind.css()) role="alert" { (f.message) }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Badge {
    /// Element id, so an out-of-band swap can refresh the counter.
    pub id: Option<String>,
    pub count: u64,
    /// A fragment URL the badge polls every minute to replace itself.
    pub refresh: Option<String>,
}

/// A counter; hidden (by the stylesheet) at zero, so a refreshing badge
/// keeps its place in the page.
pub fn badge(b: &Badge) -> Markup {
    badge_markup(b, false)
}

/// The same counter as an out-of-band swap, for a response that changed it.
pub fn badge_oob(b: &Badge) -> Markup {
    badge_markup(b, true)
}

fn badge_markup(b: &Badge, oob: bool) -> Markup {
    let refresh = b.refresh.as_deref();
    html! {
        span.badge.badge-zero[b.count == 0] id=[b.id.as_deref()]
            hx-get=[refresh]
            hx-trigger=[refresh.map(|_| "every 60s")]
            hx-swap=[refresh.map(|_| "outerHTML")]
            hx-swap-oob=[oob.then_some("true")] { (b.count) }
    }
}

#[derive(Clone, Debug)]
pub struct NavItem {
    pub label: String,
    pub href: String,
    pub current: bool,
    pub badge: Option<Badge>,
}

#[derive(Clone, Debug)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

impl Crumb {
    pub fn link(label: &str, href: &str) -> Crumb {
        Crumb {
            label: label.to_owned(),
            href: Some(href.to_owned()),
        }
    }
}

/// The trail above a signed-in page: the workbench, then `parents` as
/// links (label, href); the page itself is named by its heading.
pub fn trail(parents: &[(&str, &str)]) -> Vec<Crumb> {
    std::iter::once(Crumb::link("工作台", "/my"))
        .chain(parents.iter().map(|(label, href)| Crumb::link(label, href)))
        .collect()
}

pub fn breadcrumbs(crumbs: &[Crumb]) -> Markup {
    html! {
        @if !crumbs.is_empty() {
            nav.breadcrumbs aria-label="当前位置" {
                ol {
                    @for c in crumbs {
                        li {
                            @if let Some(href) = &c.href {
                                a href=(href) { (c.label) }
                            } @else {
                                span aria-current="page" { (c.label) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A labelled input with its inline error message.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    pub error: Option<&'a str>,
    pub required: bool,
    pub input_type: &'a str,
    pub hint: Option<&'a str>,
}

pub fn field(f: &Field<'_>) -> Markup {
    let id = format!("f-{}", f.name);
    let err_id = format!("{id}-error");
    html! {
        div.field.has-error[f.error.is_some()] {
            label for=(id) {
                (f.label)
                @if f.required { span.required aria-hidden="true" { " *" } }
            }
            input id=(id) name=(f.name) type=(f.input_type) value=(f.value)
                required[f.required]
                aria-invalid=[f.error.map(|_| "true")]
                aria-describedby=[f.error.map(|_| err_id.as_str())];
            @if let Some(hint) = f.hint { p.hint { (hint) } }
            @if let Some(e) = f.error { p.error id=(err_id) { (e) } }
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_shows_inline_error_linked_for_screen_readers() {
        let m = field(&Field {
            name: "number",
            label: "登记编号",
            value: "<x>",
            error: Some("请填写登记编号"),
            required: true,
            input_type: "text",
            hint: None,
        })
        .into_string();
        assert!(m.contains("请填写登记编号"));
        assert!(m.contains(r#"aria-describedby="f-number-error""#));
        assert!(m.contains("&lt;x&gt;"), "values are escaped: {m}");
    }
}
