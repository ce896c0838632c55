//! The `techreg` binary as an operator uses it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn techreg(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_techreg"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TECHREG_LOG__FILTER", "warn")
        .env("TECHREG_DATA_DIR", dir.join("data"))
        .env(
            "TECHREG_DATABASE_URL",
            format!("sqlite://{}/data/techreg.db", dir.display()),
        );
    cmd
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run techreg");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["seed", "--help"],
        vec!["duplicates", "rebuild", "--help"],
        vec!["config", "--help"],
        vec!["keys", "init", "--help"],
        vec!["settings", "set", "--help"],
    ] {
        let (code, out, _) = output(techreg(dir.path()).args(&args));
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains("Usage"), "{args:?}: {out}");
    }
}

#[test]
fn config_shows_the_effective_values_with_secrets_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("sms-secret");
    std::fs::write(&secret_file, "top-secret-value\n").unwrap();
    std::fs::write(
        dir.path().join("techreg.toml"),
        "public_url = \"https://techreg.example.cn\"\n[log]\nformat = \"json\"\n",
    )
    .unwrap();
    let (code, out, err) = output(
        techreg(dir.path())
            .arg("config")
            .env(
                "TECHREG_DATABASE_URL",
                "postgres://techreg:pa55word@db.internal/techreg",
            )
            .env("TECHREG_SMS__HTTP_SECRET_FILE", &secret_file)
            .env("TECHREG_LOG__FORMAT", "text")
            .env(
                "TECHREG_NETWORK__STAFF_NETWORKS",
                "[\"10.0.0.0/8\", \"172.16.0.0/12\"]",
            ),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("postgres://techreg:***@db.internal/techreg"),
        "{out}"
    );
    assert!(
        !out.contains("pa55word") && !out.contains("top-secret-value"),
        "{out}"
    );
    assert!(
        out.contains("https://techreg.example.cn"),
        "file layer: {out}"
    );
    assert!(out.contains("format = \"text\""), "env beats file: {out}");
    assert!(out.contains("172.16.0.0/12"), "{out}");
}

#[test]
fn a_bad_value_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value, named) in [
        ("TECHREG_LISTEN", "not-an-address", "listen"),
        ("TECHREG_SESSION__STORE", "memcached://x", "session.store"),
        (
            "TECHREG_NETWORK__TRUSTED_PROXIES",
            "[\"300.1.1.1/8\"]",
            "network.trusted_proxies",
        ),
        ("TECHREG_NO_SUCH_KEY", "1", "no_such_key"),
    ] {
        let (code, _, err) = output(techreg(dir.path()).arg("serve").env(key, value));
        assert_eq!(code, 2, "{key}: {err}");
        assert!(err.contains(named), "{key} should be named: {err}");
    }
}

#[test]
fn production_serve_refuses_keys_it_would_have_to_generate() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = output(
        techreg(dir.path())
            .arg("serve")
            .env("TECHREG_SMS__DRIVER", "http")
            .env("TECHREG_SMS__HTTP_URL", "http://127.0.0.1:9/")
            .env("TECHREG_SMS__HTTP_SECRET", "gateway-secret"),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("techreg keys init"), "{err}");
    // keys init creates them once, then leaves them alone
    let (code, out, _) = output(techreg(dir.path()).args(["keys", "init"]));
    assert_eq!(code, 0);
    assert!(out.contains("web.key"));
    let (_, out, _) = output(techreg(dir.path()).args(["keys", "init"]));
    assert!(out.contains("nothing changed"));
}

#[test]
fn settings_can_be_listed_and_changed_with_validation() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = output(techreg(dir.path()).args(["settings", "list"]));
    assert_eq!(code, 1, "an unmigrated database is refused");
    assert!(err.contains("techreg migrate"), "{err}");
    assert_eq!(output(techreg(dir.path()).arg("migrate")).0, 0);
    let (code, out, _) =
        output(techreg(dir.path()).args(["settings", "set", "ui.page_size", "50"]));
    assert_eq!(code, 0);
    assert!(out.contains("ui.page_size = 50"));
    let (code, _, err) =
        output(techreg(dir.path()).args(["settings", "set", "ui.page_size", "abc"]));
    assert_eq!(code, 1);
    assert!(err.contains("必须是整数"), "{err}");
    let (_, out, _) = output(techreg(dir.path()).args(["settings", "list"]));
    assert!(out.contains("ui.page_size = 50"), "{out}");
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_demo_seeds_prints_the_banner_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = techreg(dir.path())
        .args(["serve", "--demo"])
        .env("TECHREG_LISTEN", format!("127.0.0.1:{port}"))
        .env("TECHREG_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut banner = String::new();
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("=====")
            && banner.contains("演示模式")
            && banner.matches("=====").count() >= 2
        {
            break;
        }
    }
    assert!(
        banner.contains(&format!("http://127.0.0.1:{port}")),
        "{banner}"
    );
    let ready = http_get(port, "/readyz");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let home = http_get(port, "/");
    assert!(
        home.contains("演示模式"),
        "demo announcement on the home page"
    );
    assert!(dir.path().join("data/techreg.db").exists());
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "clean exit after SIGTERM: {status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Production refuses the database that now holds demo data.
    let (code, _, err) = output(
        techreg(dir.path())
            .arg("serve")
            .env("TECHREG_SMS__DRIVER", "http")
            .env("TECHREG_SMS__HTTP_URL", "http://127.0.0.1:9/")
            .env("TECHREG_SMS__HTTP_SECRET", "gateway-secret"),
    );
    assert_eq!(code, 1);
    assert!(err.contains("演示数据"), "{err}");
}

#[test]
fn admin_bootstrap_runs_once_and_audit_verify_names_a_changed_row() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(output(techreg(dir.path()).args(["keys", "init"])).0, 0);
    let (code, out, err) = output(techreg(dir.path()).args([
        "admin",
        "bootstrap",
        "--system-mobile",
        "13900000011",
        "--security-mobile",
        "13900000012",
        "--audit-mobile",
        "13900000013",
    ]));
    assert_eq!(code, 0, "{err}");
    for name in ["sysadmin", "secadmin", "auditadmin"] {
        assert!(out.contains(name), "{out}");
    }
    // No default passwords: three different random ones.
    let passwords: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert_eq!(passwords.len(), 3);
    assert!(passwords[0] != passwords[1] && passwords[1] != passwords[2]);
    let (code, _, err) = output(techreg(dir.path()).args([
        "admin",
        "bootstrap",
        "--system-mobile",
        "13900000011",
        "--security-mobile",
        "13900000012",
        "--audit-mobile",
        "13900000013",
    ]));
    assert_eq!(code, 1);
    assert!(err.contains("只能执行一次"), "{err}");

    let (code, out, err) = output(techreg(dir.path()).args(["audit", "verify"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已校验 3 条"), "{out}");

    // Change one row behind the application's back.
    let db = dir.path().join("data/techreg.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sea_orm::{ConnectionTrait, Database, Statement};
        let conn = Database::connect(format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        conn.execute_raw(Statement::from_string(
            conn.get_database_backend(),
            "UPDATE audit_log SET actor_name = 'mallory' WHERE id = 2".to_owned(),
        ))
        .await
        .unwrap();
    });
    let (code, _, err) = output(techreg(dir.path()).args(["audit", "verify"]));
    assert_eq!(code, 1);
    assert!(err.contains("id=2"), "{err}");

    let (code, _, err) =
        output(techreg(dir.path()).args(["audit", "purge", "--older-than-days", "30"]));
    assert_eq!(code, 1);
    assert!(err.contains("180"), "{err}");

    let (code, out, err) = output(techreg(dir.path()).args(["keys", "rotate"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("v2") && out.contains("重新加密 3 个字段"),
        "{out}"
    );
}

#[test]
fn legacy_contracts_are_imported_once_with_their_numbers_and_categories() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = output(techreg(dir.path()).arg("migrate"));
    assert_eq!(code, 0, "{err}");
    let header = "原登记编号,原记录ID,合同名称,合同类别,合同子类,卖方名称,买方名称,成交额,技术交易额,登记日期\n";
    let good = "\
        20190101000001,A-1,发动机控制软件委托开发,技术开发,委托开发,甲公司,乙公司,\"1,000,000.00\",900000,2019-03-01\n\
        20190101000002,A-2,专利实施许可合同,技术转让,专利实施许可,丙研究所,丁公司,200000,,2019/04/02\n\
        20190101000003,A-3,工艺秘密转让合同,技术转让,技术秘密转让,戊公司,己公司,３０００００,,2019-05-03\n";
    let bad_row = "20190101000004,A-4,坏记录,技术开发,委托开发,庚公司,辛公司,abc,,2019-13-01\n";
    // GBK, as the old system exported it; one bad row stops everything.
    let text = format!("{header}{good}{bad_row}");
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    let bad_file = dir.path().join("bad.csv");
    std::fs::write(&bad_file, &bytes).unwrap();
    let (code, out, _) = output(
        techreg(dir.path())
            .args(["import", "contracts"])
            .arg(&bad_file),
    );
    assert_ne!(code, 0);
    assert!(out.contains("第 5 行"), "{out}");
    assert!(
        out.contains("成交额：金额应为数字") && out.contains("登记日期无效"),
        "{out}"
    );

    let text = format!("{header}{good}");
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    let file = dir.path().join("old.csv");
    std::fs::write(&file, &bytes).unwrap();
    let (code, out, err) = output(
        techreg(dir.path())
            .args(["import", "contracts", "--dry-run"])
            .arg(&file),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("可导入 3 条"),
        "nothing was written before: {out}"
    );
    // The know-how transfer waits for a person; the patent licence maps.
    assert!(out.contains("需人工确认五类归属 1 条"), "{out}");
    assert!(out.contains("20190101000003  工艺秘密转让合同"), "{out}");
    let (code, out, err) = output(techreg(dir.path()).args(["import", "contracts"]).arg(&file));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("已导入 3 条"), "{out}");
    let (code, out, _) = output(techreg(dir.path()).args(["import", "contracts"]).arg(&file));
    assert_eq!(code, 0);
    assert!(
        out.contains("已导入过（跳过） 3 条") && out.contains("已导入 0 条"),
        "{out}"
    );
}

#[test]
fn seeded_contracts_are_deterministic_and_the_duplicate_index_is_rebuilt() {
    let count = |dir: &std::path::Path, sql: &str| -> String {
        let out = Command::new("sqlite3")
            .arg(dir.join("data/techreg.db"))
            .arg(sql)
            .output();
        match out {
            Ok(o) => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
            Err(_) => String::new(),
        }
    };
    let mut codes = Vec::new();
    for _ in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let (code, out, err) = output(techreg(dir.path()).args(["seed", "--contracts", "500"]));
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("已生成 500 份合同"), "{out}");
        let (code, out, err) = output(techreg(dir.path()).args(["duplicates", "rebuild"]));
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("500 份合同"), "{out}");
        let (code, out, err) =
            output(techreg(dir.path()).args(["duplicates", "rebuild", "--only-missing"]));
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("：0 份合同"), "{out}");
        codes.push(count(
            dir.path(),
            "SELECT group_concat(approval_code || name || deal_amount, ';') FROM contract",
        ));
    }
    // Same seed, same data (when the sqlite3 shell is there to look).
    assert_eq!(codes[0], codes[1]);
    let (code, _, err) = output(techreg(tempfile::tempdir().unwrap().path()).arg("seed"));
    assert_ne!(code, 0);
    assert!(err.contains("--contracts"), "{err}");
}
