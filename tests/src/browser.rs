//! Headless Chromium through chromedriver. Without a browser the journey is
//! skipped, unless `TECHREG_REQUIRE_BROWSER=1` (CI), which makes it fail.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use thirtyfour::ChromiumLikeCapabilities;
use thirtyfour::prelude::*;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    pub driver: WebDriver,
    _chromedriver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

fn browser_required() -> bool {
    std::env::var("TECHREG_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium, or returns `None`
    /// (after saying why) when they are not installed and not required.
    pub async fn start() -> Option<Browser> {
        techreg::integrations::http_client::install_crypto_provider();
        let chromium = std::env::var("TECHREG_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
        let chromedriver =
            std::env::var("TECHREG_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
        if !Path::new(&chromium).exists() || !Path::new(&chromedriver).exists() {
            let msg = format!(
                "browser journey needs {chromium} and {chromedriver} (Debian: chromium chromium-driver)"
            );
            if browser_required() {
                panic!("TECHREG_REQUIRE_BROWSER=1 but {msg}");
            }
            eprintln!("SKIPPED: {msg}");
            return None;
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = tokio::process::Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let server = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&chromium).unwrap();
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--lang=zh-CN",
        ] {
            caps.add_arg(arg).unwrap();
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
            .unwrap();
        let driver = WebDriver::new(server, caps)
            .await
            .expect("start Chromium session");
        Some(Browser {
            driver,
            _chromedriver: child,
            _profile: profile,
        })
    }

    /// Saves a screenshot under target/screenshots/NAME.png.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let path = screenshot_dir().join(format!("{name}.png"));
        self.driver.screenshot(&path).await.expect("screenshot");
        path
    }

    pub async fn quit(self) {
        let _ = self.driver.quit().await;
    }
}

/// Waits up to 15 seconds for the first element matching `css`.
pub async fn wait_for(d: &WebDriver, css: &str) -> WebElement {
    d.query(By::Css(css))
        .wait(Duration::from_secs(15), Duration::from_millis(100))
        .first()
        .await
        .unwrap_or_else(|_| panic!("{css} appears"))
}

/// Clears the field called `name` and types `value`.
pub async fn fill(d: &WebDriver, name: &str, value: &str) {
    let el = d.find(By::Css(format!("[name='{name}']"))).await.unwrap();
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

/// Signs in on the login page as a fresh visitor: the password, then the
/// SMS code sent to `mobile`; returns on the work page.
pub async fn sign_in(app: &crate::TestApp, d: &WebDriver, username: &str, mobile: &str) {
    d.delete_all_cookies().await.unwrap();
    d.goto(app.url("/login")).await.unwrap();
    fill(d, "username", username).await;
    fill(d, "password", crate::PASSWORD).await;
    d.find(By::Css("#login button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, "#verify-factor").await;
    let code = app.last_sms_code(mobile).await;
    fill(d, "code", &code).await;
    d.find(By::Css("#verify-factor button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(d, ".work-body").await;
}
