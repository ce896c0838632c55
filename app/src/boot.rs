//! Start-up: configuration checks, database, keys, settings, demo data.

use std::sync::{Arc, Weak};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseTransaction;
use techreg_entities::contract::contract;
use techreg_views::layout::AssetUrls;

use crate::alerts::Alerts;
use crate::audit::Audit;
use crate::calendar::Calendar;
use crate::contracts::Contracts;
use crate::contracts::state::Action;
use crate::core::Core;
pub use crate::core::RunMode;
use crate::core::clock::ShiftableClock;
use crate::core::config::{Config, SmsDriver};
use crate::core::db;
use crate::demo::contracts::Registrar;
use crate::dictionary::Dictionaries;
use crate::duplicates::Duplicates;
use crate::files::FileStore;
use crate::identity::{Identity, SessionStore};
use crate::integrations::sms::{self, SmsGateway};
use crate::integrity::Integrity;
use crate::jobs::{ContractJobs, Jobs};
use crate::org::Org;
use crate::reports::Reports;
use crate::security::keys::{KeyProvider, LocalKeyFiles};
use crate::settings::Settings;
use crate::{demo, web};

pub struct AppState {
    pub core: Core,
    pub settings: Settings,
    pub dictionaries: Dictionaries,
    pub calendar: Calendar,
    pub keys: Arc<dyn KeyProvider>,
    pub sms: Arc<dyn SmsGateway>,
    pub assets: AssetUrls,
    pub files: FileStore,
    pub audit: Audit,
    pub identity: Identity,
    pub org: Org,
    pub alerts: Alerts,
    pub duplicates: Duplicates,
    pub integrity: Integrity,
    pub contracts: Contracts,
    pub reports: Reports,
    pub jobs: Jobs,
}

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error("数据库连接失败 / cannot open database: {0}")]
    Database(sea_orm::DbErr),
    #[error("数据库迁移失败 / migration failed: {0}")]
    Migration(sea_orm::DbErr),
    #[error(
        "数据库有未执行的迁移 {0:?}；请运行 `techreg migrate` / pending migrations, run `techreg migrate`"
    )]
    Pending(Vec<String>),
    #[error(transparent)]
    Keys(#[from] crate::security::keys::KeyError),
    #[error("生产模式拒绝启动 / refusing to start in production mode: {0}")]
    Refused(String),
    #[error("会话存储地址无效 / key `session.store`: {0}")]
    Redis(String),
}

/// Everything `serve` needs before it accepts the first request: the core
/// and each domain's handle, assembled here above the domains (no domain
/// sees this struct; each gets its own handle).
pub async fn boot(config: Config, mode: RunMode) -> Result<Arc<AppState>, BootError> {
    let config = Arc::new(config);
    if mode == RunMode::Production && config.sms.driver == SmsDriver::Log {
        return Err(BootError::Refused(
            "短信通道为 log（仅供演示和测试），请配置 sms.driver = \"http\" / sms.driver = \"log\" is for demo and tests only".into(),
        ));
    }
    let db = db::connect(config.database_url.expose())
        .await
        .map_err(BootError::Database)?;
    if config.auto_migrate || mode != RunMode::Production {
        db::migrate(&db).await.map_err(BootError::Migration)?;
    } else {
        let pending = db::pending_migrations(&db)
            .await
            .map_err(BootError::Database)?;
        if !pending.is_empty() {
            return Err(BootError::Pending(pending));
        }
    }
    let generate = mode != RunMode::Production;
    let (keys, generated) = LocalKeyFiles::open(&config.data_dir, generate)?;
    for path in &generated {
        tracing::warn!(
            path = %path.display(),
            "!!! 已临时生成密钥文件，仅可用于演示或测试；生产环境请使用 `techreg keys init` 生成并妥善保管 / generated a key on the fly: demo and test only"
        );
    }
    if mode == RunMode::Production
        && demo::has_demo_data(&db)
            .await
            .map_err(BootError::Database)?
    {
        return Err(BootError::Refused(
            "数据库中含有演示数据，请使用全新的生产数据库 / the database holds demo data".into(),
        ));
    }
    let redis = match config.redis_url() {
        Some(url) => Some(redis::Client::open(url).map_err(|e| BootError::Redis(e.to_string()))?),
        None => None,
    };
    let core = Core {
        config: config.clone(),
        mode,
        db: db.clone(),
        redis: redis.clone(),
        clock: Arc::new(ShiftableClock::default()),
    };
    let settings = Settings::new(db.clone(), config.clone());
    let dictionaries = Dictionaries::new(core.clone());
    let calendar = Calendar::new(core.clone());
    let keys: Arc<dyn KeyProvider> = match config.keys.seal_signer {
        crate::core::config::SealSigner::Local => Arc::new(keys),
        crate::core::config::SealSigner::Remote => Arc::new(
            crate::integrations::remote_signer::RemoteSigner::connect(
                keys,
                &config.keys.remote_url,
                config.keys.remote_token.expose(),
                &config.keys.remote_key_id,
            )
            .await
            .map_err(|e| BootError::Refused(e.to_string()))?,
        ),
    };
    crate::identity::ensure_built_in_roles(&db, keys.as_ref())
        .await
        .map_err(BootError::Database)?;
    crate::dictionary::ensure_built_in(&db)
        .await
        .map_err(BootError::Database)?;
    if mode == RunMode::Demo {
        demo::seed(&db, keys.as_ref(), &config)
            .await
            .map_err(BootError::Database)?;
    }
    let sessions = match &redis {
        Some(client) => SessionStore::redis(client.clone()),
        None => SessionStore::memory(),
    };
    let assets = web::assets::urls();
    let sms = sms::gateway(&config);
    let files = FileStore::new(&core, keys.clone());
    let identity = Identity {
        core: core.clone(),
        settings: settings.clone(),
        keys: keys.clone(),
        sessions,
        sms: sms.clone(),
        files: files.clone(),
        offices: Arc::new(crate::org::OfficesForIdentity),
    };
    let org = Org {
        core: core.clone(),
        settings: settings.clone(),
        keys: keys.clone(),
        dictionaries: dictionaries.clone(),
        identity: identity.clone(),
        marks: Integrity::marks_for_org(core.clone()),
    };
    let alerts = Alerts {
        core: core.clone(),
        settings: settings.clone(),
        keys: keys.clone(),
        sms: sms.clone(),
    };
    let duplicates = Duplicates {
        core: core.clone(),
        settings: settings.clone(),
        statuses: Arc::new(crate::contracts::DuplicateStatuses),
    };
    let integrity = Integrity {
        core: core.clone(),
        dictionaries: dictionaries.clone(),
        open_statuses: crate::contracts::open_statuses(),
    };
    let contracts = Contracts {
        core: core.clone(),
        settings: settings.clone(),
        dictionaries: dictionaries.clone(),
        calendar: calendar.clone(),
        keys: keys.clone(),
        files: files.clone(),
        alerts: alerts.clone(),
        integrity: integrity.clone(),
        duplicates: duplicates.clone(),
        org: org.clone(),
    };
    let state = Arc::new_cyclic(|this| AppState {
        jobs: Jobs {
            core: core.clone(),
            alerts: alerts.clone(),
            contracts: Arc::new(ContractWork(this.clone())),
        },
        audit: Audit {
            core: core.clone(),
            keys: keys.clone(),
        },
        reports: Reports {
            core: core.clone(),
            settings: settings.clone(),
        },
        sms,
        files,
        identity,
        org,
        alerts,
        duplicates,
        integrity,
        contracts,
        core,
        settings,
        dictionaries,
        calendar,
        keys,
        assets,
    });
    if mode == RunMode::Demo {
        crate::demo::contracts::seed(&state.core, &state.calendar, state.as_ref())
            .await
            .map_err(BootError::Database)?;
    }
    Ok(state)
}

/// The contract jobs on the application state they still need
/// (`jobs::ContractJobs`); the jobs hold it weakly, the state holds them.
struct ContractWork(Weak<AppState>);

impl ContractWork {
    fn state(&self) -> Result<Arc<AppState>, String> {
        self.0
            .upgrade()
            .ok_or_else(|| "the application has stopped".into())
    }
}

#[async_trait::async_trait]
impl ContractJobs for ContractWork {
    async fn auto_accept(&self) -> Result<u64, String> {
        let state = self.state()?;
        crate::contracts::auto_accept::run(&state)
            .await
            .map_err(|e| format!("{e:?}"))
    }

    async fn deadline_reminders(&self) -> Result<u64, String> {
        let state = self.state()?;
        crate::contracts::reminders::run(&state)
            .await
            .map_err(|e| format!("{e:?}"))
    }
}

/// Registration numbers and certificates of the demo contracts, which
/// contracts still works out on the application state.
#[async_trait::async_trait]
impl Registrar for AppState {
    async fn registration_number(
        &self,
        txn: &DatabaseTransaction,
        c: &contract::Model,
        today: NaiveDate,
    ) -> Result<String, String> {
        crate::contracts::service::next_registration_number(self, txn, c, today)
            .await
            .map_err(|e| format!("{e:?}"))
    }

    async fn certificate(
        &self,
        txn: &DatabaseTransaction,
        c: &contract::Model,
        action: Action,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        crate::contracts::effects::certificate(txn, self, c, action, reason, now)
            .await
            .map_err(|e| format!("{e:?}"))
    }
}
