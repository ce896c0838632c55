//! Layered configuration: built-in defaults, then an optional `techreg.toml`,
//! then `TECHREG_*` environment variables (`__` separates nested keys).
//! Any key may also be read from a file named by `TECHREG_<KEY>_FILE`, which
//! is how secrets are handed over by systemd credentials or container secrets.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// A string that never shows up in `Debug` or in `techreg config`.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("\"***\"")
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Database URL: `sqlite://data/techreg.db` or `postgres://user@host/db`.
    pub database_url: Secret,
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// Public base URL as users reach it (through nginx in production).
    pub public_url: String,
    /// Folder for key files and the local file store (the default SQLite
    /// file lies in it too, through the default `database_url`).
    pub data_dir: PathBuf,
    /// Apply pending migrations when `serve` starts.
    pub auto_migrate: bool,
    pub session: SessionConfig,
    pub log: LogConfig,
    pub network: NetworkConfig,
    pub sms: SmsConfig,
    pub settings: SettingsConfig,
    pub security: SecurityConfig,
    pub keys: KeysConfig,
    pub certificate: CertificateConfig,
    pub antivirus: AntivirusConfig,
    pub jobs: JobsConfig,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    /// Run the background jobs on this node (every node may: work is
    /// claimed through the database).
    pub enabled: bool,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AntivirusConfig {
    /// clamd's Unix socket; empty: uploads are not scanned.
    pub clamd_socket: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateConfig {
    /// CJK TrueType font (or collection) subset into certificate PDFs.
    pub font_path: PathBuf,
    /// Face index inside a collection (.ttc).
    pub font_index: usize,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SealSigner {
    /// The seal key file in `<data_dir>/keys`.
    Local,
    /// The platform's signature service over HTTP.
    Remote,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    /// Who signs with the registration seal key.
    pub seal_signer: SealSigner,
    /// Base URL of the signature service (`remote`).
    pub remote_url: String,
    /// Bearer token for the signature service.
    pub remote_token: Secret,
    /// The seal key's id at the signature service.
    pub remote_key_id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// `memory` or a `redis://` URL shared by all app nodes.
    pub store: Secret,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// tracing filter, e.g. `info` or `techreg=debug,sqlx=warn`.
    pub filter: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Peers whose `X-Forwarded-For` is believed (the nginx nodes).
    pub trusted_proxies: Vec<IpNet>,
    /// Networks allowed to reach staff and admin routes; empty = everywhere.
    pub staff_networks: Vec<IpNet>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmsDriver {
    /// Keeps messages in the database; demo and test only.
    Log,
    /// Posts to the SMS gateway over HTTP.
    Http,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    pub driver: SmsDriver,
    pub http_url: String,
    pub http_secret: Secret,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsConfig {
    /// How often each node checks whether runtime settings changed.
    pub poll_seconds: u64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// PBKDF2-HMAC-SM3 iterations for new password hashes.
    pub pbkdf2_iterations: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: Secret::new("sqlite://data/techreg.db"),
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            auto_migrate: true,
            session: SessionConfig {
                store: Secret::new("memory"),
            },
            log: LogConfig {
                format: LogFormat::Text,
                filter: "info,sqlx=warn,sea_orm=warn".into(),
            },
            network: NetworkConfig::default(),
            sms: SmsConfig {
                driver: SmsDriver::Log,
                http_url: String::new(),
                http_secret: Secret::default(),
            },
            settings: SettingsConfig { poll_seconds: 2 },
            security: SecurityConfig {
                pbkdf2_iterations: 100_000,
            },
            keys: KeysConfig {
                seal_signer: SealSigner::Local,
                remote_url: String::new(),
                remote_token: Secret::default(),
                remote_key_id: String::new(),
            },
            certificate: CertificateConfig {
                font_path: PathBuf::from("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
                font_index: 0,
            },
            antivirus: AntivirusConfig::default(),
            jobs: JobsConfig { enabled: true },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("配置错误 / configuration error: {0}")]
    Invalid(String),
}

const ENV_PREFIX: &str = "TECHREG_";
/// `TECHREG_*` variables that steer tools, not the application.
const NOT_CONFIG: &[&str] = &["CONFIG", "REQUIRE_BROWSER", "CHROMIUM", "CHROMEDRIVER"];
/// Keys whose values are text: taken verbatim, never parsed as numbers,
/// booleans or lists (a numeric password must stay a string).
const TEXT_KEYS: &[&str] = &[
    "database_url",
    "public_url",
    "data_dir",
    "session.store",
    "log.filter",
    "sms.http_url",
    "sms.http_secret",
    "keys.remote_url",
    "keys.remote_token",
    "keys.remote_key_id",
    "certificate.font_path",
];

impl Config {
    /// Loads defaults, `config_file` (when it exists) and the environment.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(config_file, &vars)
    }

    /// Same as [`Config::load`] with an explicit environment, for tests.
    pub fn load_from(
        config_file: Option<&Path>,
        vars: &[(String, String)],
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let file = config_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("techreg.toml"));
        if file.exists() {
            figment = figment.merge(Toml::file_exact(&file));
        } else if config_file.is_some() {
            return Err(ConfigError::Invalid(format!(
                "config file {} not found",
                file.display()
            )));
        }
        for (name, value) in resolve_env(vars)? {
            let key = name.to_lowercase().replace("__", ".");
            let value: figment::value::Value = if TEXT_KEYS.contains(&key.as_str()) {
                value.into()
            } else {
                value
                    .parse()
                    .unwrap_or_else(|never: std::convert::Infallible| match never {})
            };
            figment = figment.merge((key, value));
        }
        let config: Config = figment.extract().map_err(|e| {
            let mut msgs = Vec::new();
            for err in e {
                let key = if err.path.is_empty() {
                    String::from("(top level)")
                } else {
                    err.path.join(".")
                };
                msgs.push(format!("key `{key}`: {}", err.kind));
            }
            ConfigError::Invalid(msgs.join("; "))
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let db = self.database_url.expose();
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid(
                "key `database_url`: must start with sqlite: or postgres://".into(),
            ));
        }
        let store = self.session.store.expose();
        if store != "memory" && !store.starts_with("redis://") && !store.starts_with("rediss://") {
            return Err(ConfigError::Invalid(
                "key `session.store`: must be `memory` or a redis:// URL".into(),
            ));
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid(
                "key `public_url`: must start with http:// or https://".into(),
            ));
        }
        if self.sms.driver == SmsDriver::Http && self.sms.http_url.is_empty() {
            return Err(ConfigError::Invalid(
                "key `sms.http_url`: required when sms.driver = \"http\"".into(),
            ));
        }
        if self.sms.driver == SmsDriver::Http && self.sms.http_secret.is_empty() {
            return Err(ConfigError::Invalid(
                "key `sms.http_secret`: required when sms.driver = \"http\" (requests are signed with it)".into(),
            ));
        }
        if self.keys.seal_signer == SealSigner::Remote
            && (self.keys.remote_url.is_empty() || self.keys.remote_key_id.is_empty())
        {
            return Err(ConfigError::Invalid(
                "key `keys.remote_url`: remote_url and remote_key_id are required when keys.seal_signer = \"remote\"".into(),
            ));
        }
        if self.settings.poll_seconds == 0 {
            return Err(ConfigError::Invalid(
                "key `settings.poll_seconds`: must be at least 1".into(),
            ));
        }
        if self.security.pbkdf2_iterations == 0 {
            return Err(ConfigError::Invalid(
                "key `security.pbkdf2_iterations`: must be at least 1".into(),
            ));
        }
        Ok(())
    }

    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn redis_url(&self) -> Option<&str> {
        let store = self.session.store.expose();
        (store != "memory").then_some(store)
    }

    /// The effective configuration as TOML with secrets replaced.
    pub fn to_redacted_toml(&self) -> String {
        let mut shown = self.clone();
        for secret in [
            &mut shown.database_url,
            &mut shown.session.store,
            &mut shown.sms.http_secret,
            &mut shown.keys.remote_token,
        ] {
            *secret = Secret::new(redact(secret.expose()));
        }
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot render: {e}"))
    }
}

/// Hides a password inside a URL and anything that is not a URL.
fn redact(value: &str) -> String {
    if value.is_empty() || value == "memory" {
        return value.to_owned();
    }
    match value.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:***@{host}")
            }
            None => value.to_owned(),
        },
        None => "***".to_owned(),
    }
}

/// Turns `TECHREG_X_FILE=/path` into `TECHREG_X=<file contents>`; a direct
/// variable wins over nothing, a file wins over a direct variable.
fn resolve_env(vars: &[(String, String)]) -> Result<Vec<(String, String)>, ConfigError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in vars {
        let Some(name) = k.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if NOT_CONFIG
            .iter()
            .any(|n| name == *n || name.starts_with("TEST_"))
        {
            continue;
        }
        if let Some(base) = name.strip_suffix("_FILE") {
            let content = std::fs::read_to_string(v)
                .map_err(|e| ConfigError::Invalid(format!("key `{k}`: cannot read {v}: {e}")))?;
            out.retain(|(existing, _)| existing != base);
            out.push((
                base.to_owned(),
                content.trim_end_matches(['\n', '\r']).to_owned(),
            ));
        } else if !out.iter().any(|(existing, _)| existing == name) {
            out.push((name.to_owned(), v.clone()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_the_readme() {
        let c = Config::load_from(None, &[]).unwrap();
        assert_eq!(c.database_url.expose(), "sqlite://data/techreg.db");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.session.store.expose(), "memory");
        assert_eq!(c.log.format, LogFormat::Text);
        assert!(c.redis_url().is_none());
    }

    #[test]
    fn file_then_environment_with_nested_keys() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\n[log]\nformat = \"json\"\nfilter = \"debug\"\n",
        )
        .unwrap();
        let c = Config::load_from(
            Some(&file),
            &vars(&[
                ("TECHREG_LOG__FILTER", "warn"),
                ("TECHREG_SESSION__STORE", "redis://127.0.0.1/"),
            ]),
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(c.log.format, LogFormat::Json);
        assert_eq!(c.log.filter, "warn");
        assert_eq!(c.redis_url(), Some("redis://127.0.0.1/"));
    }

    #[test]
    fn secrets_come_from_files_and_stay_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db");
        std::fs::write(&file, "postgres://app:hunter2@db/techreg\n").unwrap();
        let c = Config::load_from(
            None,
            &vars(&[
                ("TECHREG_DATABASE_URL_FILE", file.to_str().unwrap()),
                ("TECHREG_TEST_DATABASE_URL", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(c.database_url.expose(), "postgres://app:hunter2@db/techreg");
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!c.to_redacted_toml().contains("hunter2"));
        assert!(
            c.to_redacted_toml()
                .contains("postgres://app:***@db/techreg")
        );
    }

    #[test]
    fn text_values_stay_text() {
        let c = Config::load_from(
            None,
            &vars(&[
                ("TECHREG_SMS__HTTP_SECRET", "123456"),
                ("TECHREG_SETTINGS__POLL_SECONDS", "5"),
            ]),
        )
        .unwrap();
        assert_eq!(c.sms.http_secret.expose(), "123456");
        assert_eq!(c.settings.poll_seconds, 5);
    }

    #[test]
    fn errors_name_the_key() {
        for (k, v, named) in [
            ("TECHREG_LISTEN", "nope", "listen"),
            ("TECHREG_LOG__FORMAT", "xml", "log.format"),
            ("TECHREG_DATABASE_URL", "mysql://x", "database_url"),
            ("TECHREG_SMS__DRIVER", "http", "sms.http_url"),
            (
                "TECHREG_SETTINGS__POLL_SECONDS",
                "0",
                "settings.poll_seconds",
            ),
            ("TECHREG_BOGUS", "1", "bogus"),
        ] {
            let err = Config::load_from(None, &vars(&[(k, v)]))
                .unwrap_err()
                .to_string();
            assert!(err.contains(named), "{k}: {err}");
        }
        let err = Config::load_from(Some(Path::new("/nonexistent/t.toml")), &[]).unwrap_err();
        assert!(err.to_string().contains("not found"));
    }
}
