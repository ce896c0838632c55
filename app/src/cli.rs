//! Command line: `techreg serve | migrate | seed | duplicates | config | keys | settings`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::boot::{RunMode, boot};
use crate::core::config::Config;
use crate::core::{db, telemetry};
use crate::security::keys::LocalKeyFiles;
use crate::{demo, server, settings};

#[derive(Parser, Debug)]
#[command(
    name = "techreg",
    version,
    about = "上海市技术合同认定登记信息系统 / Shanghai technology contract registration system"
)]
struct Cli {
    /// Configuration file (default: ./techreg.toml when it exists).
    #[arg(long, global = true, env = "TECHREG_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the web server (production mode unless --demo).
    Serve {
        /// Demo mode: seed demo data, generate keys, print demo accounts.
        #[arg(long)]
        demo: bool,
        /// Do not apply pending migrations at start (refuse to start instead).
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load data into the database.
    Seed {
        /// The demo data set (offices, users of every role, cases).
        #[arg(long)]
        demo: bool,
        /// Generate N realistic contracts with planted near-duplicates and
        /// look-alikes (benchmark data; docs/decisions/duplicates.md).
        #[arg(long, value_name = "N")]
        contracts: Option<u64>,
        /// Seed of the generator (the same seed gives the same data).
        #[arg(long, default_value_t = 20261129)]
        seed: u64,
    },
    /// The duplicate-contract index.
    Duplicates {
        #[command(subcommand)]
        command: DuplicatesCommand,
    },
    /// Print the effective configuration with secrets hidden.
    Config,
    /// Manage key files.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Administrator accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit log's tamper evidence.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Read or change runtime settings.
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Load data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Registered contracts of the old system (CSV in UTF-8 or GBK, or Excel).
    Contracts {
        file: PathBuf,
        /// The rules the records were registered under: 2001 (four
        /// categories) or 2026 (five categories).
        #[arg(long, default_value = "2001")]
        rules: String,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand, Debug)]
enum DuplicatesCommand {
    /// Rebuild the index from the contracts (all rows, or only missing ones).
    Rebuild {
        #[arg(long)]
        only_missing: bool,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Create missing key files under <data_dir>/keys (never overwrites).
    Init,
    /// Add a new SM4 field key version and re-encrypt all personal data.
    Rotate,
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create the first system, security and audit admins (once), printing
    /// one-time passwords to change at first login.
    Bootstrap {
        /// Mobile of the system admin (second factor by SMS).
        #[arg(long)]
        system_mobile: String,
        /// Mobile of the security admin.
        #[arg(long)]
        security_mobile: String,
        /// Mobile of the audit admin.
        #[arg(long)]
        audit_mobile: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Seal pending rows, then check the whole chain; exits non-zero and
    /// names the first broken row when it does not hold.
    Verify,
    /// Delete sealed rows older than the retention (at least 180 days),
    /// keeping the chain verifiable from its anchor.
    Purge {
        #[arg(long, default_value_t = 180)]
        older_than_days: i64,
    },
}

#[derive(Subcommand, Debug)]
enum SettingsCommand {
    /// List every setting with its current value.
    List,
    /// Change a setting (validated as on the admin screen).
    Set { key: String, value: String },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("错误 / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, mut config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo, no_migrate } => {
            if no_migrate {
                config.auto_migrate = false;
            }
            let mode = if demo {
                RunMode::Demo
            } else {
                RunMode::Production
            };
            let started = std::time::Instant::now();
            let listen = config.listen;
            let public_url = config.public_url.clone();
            let state = boot(config, mode).await?;
            let running = server::start(state, listen).await?;
            tracing::info!(
                addr = %running.addr,
                ready_ms = started.elapsed().as_millis() as u64,
                "techreg is ready"
            );
            if demo {
                println!("{}", demo::banner(&public_url));
            }
            running.task.await??;
            Ok(())
        }
        Command::Migrate => {
            let conn = db::connect(config.database_url.expose()).await?;
            db::migrate(&conn).await?;
            println!("迁移完成 / migrations applied");
            Ok(())
        }
        Command::Seed {
            contracts: Some(n),
            seed,
            ..
        } => {
            let conn = db::connect(config.database_url.expose()).await?;
            db::migrate(&conn).await?;
            let started = std::time::Instant::now();
            let r = crate::demo::generate::seed_contracts(&conn, n, seed).await?;
            println!(
                "已生成 {} 份合同（近似重复 {}，续签 {}，通用名称 {}；企业 {}），用时 {:.1} 秒 / {} contracts seeded in {:.1}s",
                r.contracts,
                r.near_duplicates,
                r.renewals,
                r.generic,
                r.firms,
                started.elapsed().as_secs_f64(),
                r.contracts,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Duplicates {
            command: DuplicatesCommand::Rebuild { only_missing },
        } => {
            let conn = db::connect(config.database_url.expose()).await?;
            db::migrate(&conn).await?;
            let started = std::time::Instant::now();
            let txn = db::begin(&conn).await?;
            let n = crate::contracts::rebuild_duplicate_index(&txn, only_missing).await?;
            txn.commit().await?;
            println!(
                "查重索引已重建：{n} 份合同，用时 {:.1} 秒 / duplicate index rebuilt: {n} contracts",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Seed { demo: true, .. } => {
            // The same seed as `serve --demo`: migrations, built-in roles and
            // dictionaries, demo organisation, people and contracts.
            boot(config, RunMode::Demo).await?;
            println!("演示数据已写入 / demo data seeded");
            Ok(())
        }
        Command::Seed { demo: false, .. } => {
            anyhow::bail!(
                "请指定要写入的数据，例如 --demo 或 --contracts N / nothing to seed: pass --demo or --contracts N"
            )
        }
        Command::Import {
            command:
                ImportCommand::Contracts {
                    file,
                    rules,
                    dry_run,
                },
        } => import_contracts(&config, &file, &rules, dry_run).await,
        Command::Config => {
            print!("{}", config.to_redacted_toml());
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let conn = db::connect(config.database_url.expose()).await?;
            let version = LocalKeyFiles::add_field_version(&config.data_dir)?;
            let (keys, _) = LocalKeyFiles::open(&config.data_dir, false)?;
            let count = crate::security::rotate::reencrypt_all(&conn, &keys).await?;
            println!(
                "已启用字段密钥版本 v{version}，重新加密 {count} 个字段 / field key v{version}, {count} values re-encrypted"
            );
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Bootstrap {
                    system_mobile,
                    security_mobile,
                    audit_mobile,
                },
        } => {
            let conn = db::connect(config.database_url.expose()).await?;
            db::migrate(&conn).await?;
            let (keys, _) = LocalKeyFiles::open(&config.data_dir, false)?;
            crate::identity::ensure_built_in_roles(&conn, &keys).await?;
            let created = crate::identity::bootstrap_admins(
                &conn,
                &keys,
                config.security.pbkdf2_iterations,
                [&system_mobile, &security_mobile, &audit_mobile],
            )
            .await?;
            println!(
                "已创建管理员账号（一次性密码，首次登录须修改）/ admins created, one-time passwords:"
            );
            for (username, role, password) in created {
                println!("  {username:<16} {role:<8} {password}");
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Purge { older_than_days },
        } => {
            if older_than_days < 180 {
                anyhow::bail!("审计记录至少保存 180 天 / audit records are kept at least 180 days");
            }
            let conn = db::connect(config.database_url.expose()).await?;
            let (keys, _) = LocalKeyFiles::open(&config.data_dir, false)?;
            let key = crate::security::keys::KeyProvider::secret(
                &keys,
                crate::security::keys::KeyName::Audit,
            )
            .to_vec();
            while crate::audit::seal(&conn, &key).await? > 0 {}
            let before = chrono::Utc::now() - chrono::Duration::days(older_than_days);
            let n = crate::audit::purge(&conn, &key, before).await?;
            println!("已清理 {n} 条早于 {older_than_days} 天的审计记录 / purged {n} rows");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let conn = db::connect(config.database_url.expose()).await?;
            let (keys, _) = LocalKeyFiles::open(&config.data_dir, false)?;
            let key = crate::security::keys::KeyProvider::secret(
                &keys,
                crate::security::keys::KeyName::Audit,
            )
            .to_vec();
            while crate::audit::seal(&conn, &key).await? > 0 {}
            match crate::audit::verify(&conn, &key).await? {
                Ok(n) => {
                    println!(
                        "审计链完整，已校验 {n} 条记录 / audit chain intact, {n} rows checked"
                    );
                    Ok(())
                }
                Err(broken) => anyhow::bail!("审计链被破坏 / audit chain broken: {broken}"),
            }
        }
        Command::Keys {
            command: KeysCommand::Init,
        } => {
            let created = LocalKeyFiles::init(&config.data_dir)?;
            if created.is_empty() {
                println!("密钥文件已存在，未做改动 / all key files exist, nothing changed");
            }
            for path in created {
                println!("已生成 / created {}", path.display());
            }
            Ok(())
        }
        Command::Settings { command } => {
            let conn = db::connect(config.database_url.expose()).await?;
            let pending = db::pending_migrations(&conn).await?;
            if !pending.is_empty() {
                anyhow::bail!("数据库有未执行的迁移 {pending:?}；请先运行 `techreg migrate`");
            }
            let store = settings::Settings::new(conn, std::sync::Arc::new(config));
            match command {
                SettingsCommand::List => {
                    for def in settings::definitions() {
                        let value = store.get(def.key).await?;
                        println!("{} = {}    # {}", def.key, value, def.label);
                    }
                }
                SettingsCommand::Set { key, value } => {
                    let stored = store.set(&key, &value, "cli").await?;
                    println!("{key} = {stored}");
                }
            }
            Ok(())
        }
    }
}

async fn import_contracts(
    config: &Config,
    file: &std::path::Path,
    rules: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    use crate::contracts::{categories, legacy};
    if rules != categories::RULES_2001 && rules != categories::RULES_2026 {
        anyhow::bail!("--rules 只能是 2001 或 2026 / --rules must be 2001 or 2026");
    }
    let bytes = std::fs::read(file)?;
    let rows = crate::tabular::read(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let conn = db::connect(config.database_url.expose()).await?;
    db::migrate(&conn).await?;
    let txn = db::begin(&conn).await?;
    let report = legacy::plan(&txn, &rows, rules).await?;
    println!(
        "读取 {} 行：可导入 {} 条，已导入过（跳过） {} 条，错误 {} 行 / {} rows: {} to import, {} already imported, {} with errors",
        report.rows,
        report.records.len(),
        report.existing.len(),
        report.errors.len(),
        report.rows,
        report.records.len(),
        report.existing.len(),
        report.errors.len()
    );
    for (line, message) in &report.errors {
        println!("  第 {line} 行 / line {line}: {message}");
    }
    let unmapped = report.unmapped();
    if !unmapped.is_empty() {
        println!(
            "需人工确认五类归属 {} 条（技术秘密转让：转让或许可）/ {} records need a person to choose their five-category type:",
            unmapped.len(),
            unmapped.len()
        );
        for r in &unmapped {
            println!("  {}  {}", r.number, r.name);
        }
    }
    if !report.errors.is_empty() {
        anyhow::bail!("文件有错误，未写入任何数据 / errors in the file, nothing written");
    }
    if dry_run {
        println!("仅检查，未写入 / dry run, nothing written");
        return Ok(());
    }
    let n = legacy::apply(&txn, &report, rules, chrono::Utc::now()).await?;
    // Imported registrations take part in duplicate checks.
    crate::contracts::rebuild_duplicate_index(&txn, true).await?;
    txn.commit().await?;
    println!("已导入 {n} 条 / {n} contracts imported");
    Ok(())
}
