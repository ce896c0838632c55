//! Command line: `techreg serve | migrate | seed | config | keys | settings`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{RunMode, boot};
use crate::config::Config;
use crate::security::keys::LocalKeyFiles;
use crate::{db, demo, http, settings, telemetry};

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
    },
    /// Print the effective configuration with secrets hidden.
    Config,
    /// Manage key files.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Read or change runtime settings.
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Create missing key files under <data_dir>/keys (never overwrites).
    Init,
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
            let running = http::server::start(state, listen).await?;
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
        Command::Seed { demo: true } => {
            let conn = db::connect(config.database_url.expose()).await?;
            db::migrate(&conn).await?;
            let (keys, generated) = LocalKeyFiles::open(&config.data_dir, true)?;
            for path in generated {
                println!("已生成演示密钥 / generated demo key {}", path.display());
            }
            crate::identity::roles::ensure_built_in(&conn, &keys).await?;
            demo::seed(&conn, &keys, &config).await?;
            println!("演示数据已写入 / demo data seeded");
            Ok(())
        }
        Command::Seed { demo: false } => {
            anyhow::bail!("请指定要写入的数据，例如 --demo / nothing to seed: pass --demo")
        }
        Command::Config => {
            print!("{}", config.to_redacted_toml());
            Ok(())
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
