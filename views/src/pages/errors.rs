//! Chinese error pages and the toast fragment shown to htmx requests.

use maud::{Markup, html};

pub struct ErrorView<'a> {
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
    pub request_id: &'a str,
}

/// Known statuses get fixed Chinese wording; internals are never shown.
pub fn wording(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("请求有误", "请求的内容无法处理，请检查后重试。"),
        403 => (
            "没有访问权限",
            "您没有权限执行此操作，或请求已失效。请刷新页面后重试。",
        ),
        404 => ("页面不存在", "您访问的页面不存在或已被移除。"),
        405 => ("不支持的操作", "该页面不支持此操作方式。"),
        409 => ("已被处理", "该事项已被他人处理，请刷新后查看最新状态。"),
        413 => ("内容过大", "提交的内容超过了允许的大小。"),
        422 => ("填写有误", "请按提示修改后重新提交。"),
        429 => ("操作过于频繁", "请稍后再试。"),
        503 => (
            "服务暂不可用",
            "系统正在维护或暂时无法连接数据服务，请稍后再试。",
        ),
        _ => (
            "系统繁忙",
            "系统处理时出现问题，请稍后再试。如问题持续，请联系管理员并提供下方的请求编号。",
        ),
    }
}

/// The page body; the app wraps it in the public layout.
pub fn error_body(e: &ErrorView<'_>) -> Markup {
    html! {
        section.error-page {
            p.error-code { (e.status) }
            h1 { (e.title) }
            p { (e.message) }
            p.request-id { "请求编号：" code { (e.request_id) } }
            p { a href="/" { "返回首页" } }
        }
    }
}

/// Swapped into #toast for htmx requests.
pub fn error_toast(e: &ErrorView<'_>) -> Markup {
    html! {
        div.toast.toast-error role="alert" {
            strong { (e.title) } "：" (e.message)
            " " span.request-id { "（请求编号 " (e.request_id) "）" }
        }
    }
}
