//! What the web floor itself needs of the running system, assembled at boot
//! and attached to every request: the shared core (configuration for
//! cookies, proxies and staff networks), the keys (CSRF tokens, signed
//! flash messages), the asset URLs, and the page chrome that the domains
//! above provide (`Chrome`).

use std::sync::Arc;

use poem::Request;
use techreg_views::components::NavItem;
use techreg_views::layout::AssetUrls;

use crate::core::{Caller, Core};
use crate::security::keys::{KeyName, KeyProvider};

/// What the layout shows around a page, provided by the top floor (the
/// navigation knows every domain's menu entries and counters; the portal
/// announcement is a runtime setting). The web floor only asks.
#[async_trait::async_trait]
pub trait Chrome: Send + Sync + 'static {
    /// The announcement on public pages, if any.
    async fn announcement(&self) -> Option<String>;
    /// The side navigation for `caller` on `path`, with its counters.
    async fn navigation(&self, caller: &Caller, path: &str) -> Vec<NavItem>;
}

#[derive(Clone)]
pub struct Site {
    pub core: Core,
    pub keys: Arc<dyn KeyProvider>,
    pub assets: AssetUrls,
    pub chrome: Arc<dyn Chrome>,
}

impl Site {
    /// The site of a request (attached outermost by the router).
    pub fn of(req: &Request) -> &Site {
        req.data::<Site>().expect("Site is attached outermost")
    }

    /// The key of CSRF tokens and flash signatures.
    pub fn web_key(&self) -> &[u8] {
        self.keys.secret(KeyName::Web)
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.core.config.is_https() {
            "__Host-techreg_sid"
        } else {
            "techreg_sid"
        }
    }
}
