//! The two page shells: the public portal and signed-in work.

use maud::{DOCTYPE, Markup, html};

use crate::components::{Crumb, Flash, NavItem, badge, breadcrumbs, flashes};

/// Versioned URLs of the embedded assets, computed once by the app.
#[derive(Clone, Debug, Default)]
pub struct AssetUrls {
    pub css: String,
    pub htmx: String,
    pub app_js: String,
}

/// Who is signed in, as the header shows it.
#[derive(Clone, Debug)]
pub struct UserBadge {
    pub display_name: String,
    pub role_label: String,
}

/// Everything a page shell needs besides the page's own content.
#[derive(Clone, Debug, Default)]
pub struct Shell {
    pub title: String,
    pub csrf_token: String,
    pub assets: AssetUrls,
    pub flashes: Vec<Flash>,
    pub user: Option<UserBadge>,
    pub announcement: Option<String>,
}

/// htmx settings: no history cache (no case data in browser storage), no
/// eval and no inline styles (the CSP forbids them), 422 swapped like 200,
/// and error fragments swapped too (the server retargets them to #toast).
const HTMX_CONFIG: &str = r#"{"historyCacheSize":0,"refreshOnHistoryMiss":true,"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true,"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"422","swap":true},{"code":"[45]..","swap":true,"error":true}]}"#;

fn head(shell: &Shell) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="csrf-token" content=(shell.csrf_token);
            meta name="htmx-config" content=(HTMX_CONFIG);
            title { (shell.title) " - 上海市技术合同认定登记信息系统" }
            link rel="stylesheet" href=(shell.assets.css);
            script src=(shell.assets.htmx) defer {}
            script src=(shell.assets.app_js) defer {}
        }
    }
}

fn toast_region() -> Markup {
    html! { div #toast role="status" aria-live="polite" {} }
}

/// Public portal: home, guides, verification, showcase.
pub fn public(shell: &Shell, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(shell))
            body.public hx-boost="true" {
                a.skip href="#main" { "跳到正文" }
                header.site-header {
                    div.brand {
                        a href="/" {
                            span.brand-title { "上海市技术合同认定登记信息系统" }
                            span.brand-sub { "上海市技术市场管理办公室" }
                        }
                    }
                    nav.site-nav aria-label="主导航" {
                        a href="/" { "首页" }
                        a href="/guide" { "办事指南" }
                        a href="/verify" { "证明核验" }
                        @if let Some(user) = &shell.user {
                            span.user { (user.display_name) }
                        } @else {
                            a.login href="/login" { "登录" }
                        }
                    }
                }
                @if let Some(text) = &shell.announcement {
                    div.announcement role="note" { strong { "公告：" } (text) }
                }
                (toast_region())
                main #main {
                    (flashes(&shell.flashes))
                    (main)
                }
                footer.site-footer {
                    p { "上海市科学技术委员会 · 上海市技术市场管理办公室 主办" }
                    p { "技术支持与咨询：请联系所在区技术合同登记处" }
                }
            }
        }
    }
}

/// Signed-in work: applicant, service point, offices, city office, admins.
pub fn work(shell: &Shell, nav: &[NavItem], crumbs: &[Crumb], main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(shell))
            body.work hx-boost="true" {
                a.skip href="#main" { "跳到正文" }
                header.work-header {
                    a.brand-title href="/" { "技术合同认定登记" }
                    @if let Some(user) = &shell.user {
                        div.user-box {
                            span.user-name { (user.display_name) }
                            span.user-role { (user.role_label) }
                        }
                    }
                }
                div.work-body {
                    nav.side-nav aria-label="工作导航" {
                        ul {
                            @for item in nav {
                                li {
                                    a href=(item.href) aria-current=[item.current.then_some("page")] {
                                        (item.label)
                                        @if let Some(b) = &item.badge {
                                            " " (badge(b))
                                        }
                                    }
                                }
                            }
                        }
                    }
                    main #main {
                        (breadcrumbs(crumbs))
                        (toast_region())
                        (flashes(&shell.flashes))
                        (main)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::Badge;

    #[test]
    fn work_layout_shows_role_navigation_breadcrumbs_and_badges() {
        let shell = Shell {
            title: "待受理".into(),
            csrf_token: "tok".into(),
            user: Some(UserBadge {
                display_name: "张三".into(),
                role_label: "受理员".into(),
            }),
            ..Shell::default()
        };
        let nav = [NavItem {
            label: "待受理".into(),
            href: "/review/queue".into(),
            current: true,
            badge: Some(Badge {
                id: Some("badge-accept".into()),
                count: 7,
                refresh: Some("/review/badge".into()),
            }),
        }];
        let crumbs = [
            Crumb {
                label: "工作台".into(),
                href: Some("/review".into()),
            },
            Crumb {
                label: "待受理".into(),
                href: None,
            },
        ];
        let page = work(&shell, &nav, &crumbs, html! { p { "内容" } }).into_string();
        assert!(page.contains(r#"<meta name="csrf-token" content="tok">"#));
        assert!(page.contains(r#"aria-current="page""#));
        assert!(page.contains(r#"id="badge-accept""#));
        assert!(page.contains(r#"hx-get="/review/badge""#));
        assert!(page.contains(r#"hx-trigger="every 60s""#));
        assert!(page.contains("张三") && page.contains("受理员"));
        assert!(page.contains(r#"<a href="/review">工作台</a>"#));
        assert!(!page.contains("<script>"), "no inline script");
    }

    #[test]
    fn public_layout_has_chinese_lang_and_no_inline_script() {
        let page = public(&Shell::default(), html! {}).into_string();
        assert!(page.contains(r#"lang="zh-CN""#));
        assert!(!page.contains("<script>"));
        assert!(page.contains("historyCacheSize&quot;:0"));
    }
}
