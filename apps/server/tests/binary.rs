//! The real `billing-server` binary: help, fail-fast configuration, and a clean SIGTERM stop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_billing-server"));
    for var in ["DATABASE_URL", "BIND_ADDR", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "JWT_SECRET", "BILLING_CONFIG"] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn help_lists_every_setting_by_its_environment_variable() {
    let out = server().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for var in [
        "BIND_ADDR",
        "DATABASE_URL",
        "STRIPE_SECRET_KEY",
        "STRIPE_API_BASE",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_PRICE_SOLO",
        "STRIPE_PRICE_TEAM",
        "STRIPE_PRICE_ENTERPRISE",
        "JWT_SECRET",
        "APP_BASE_URL",
        "BILLING_PLANS_FILE",
        "BILLING_WORKERS",
        "BILLING_GRACE_DAYS",
        "BILLING_MAX_ATTEMPTS",
        "LOG_FORMAT",
    ] {
        assert!(help.contains(var), "--help does not mention {var}");
    }
}

#[test]
fn invalid_configuration_stops_the_start_naming_the_variable_and_no_secret() {
    let out = server().env("BIND_ADDR", "nowhere").env("JWT_SECRET", "jwt-secret-that-must-not-leak-0123456789").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("BIND_ADDR"), "{stderr}");
    assert!(!stderr.contains("jwt-secret-that-must-not-leak-0123456789"), "{stderr}");
}

#[test]
fn a_jwt_secret_shorter_than_32_bytes_stops_the_start_naming_the_variable_and_not_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = server()
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("b.sqlite").display()))
        .env("JWT_SECRET", "short-jwt-secret-of-31-bytes-xy")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the server started with a 31-byte JWT_SECRET");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success());
    assert!(stderr.contains("JWT_SECRET") && stderr.contains("32 bytes"), "{stderr}");
    assert!(!stderr.contains("short-jwt-secret-of-31-bytes-xy"), "{stderr}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = server()
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("b.sqlite").display()))
        .env("LOG_FORMAT", "json")
        .env("JWT_SECRET", "jwt-secret-that-must-not-leak-0123456789")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut log = String::new();
    let port = loop {
        let line = lines.next().expect("the server logs until it listens").unwrap();
        log.push_str(&line);
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if entry["fields"]["message"] == "billing server listening" {
            break entry["fields"]["port"].as_u64().unwrap();
        }
    };
    let health = plain_http::health_status(port);
    assert_eq!(health, 200);
    assert!(Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    log.extend(lines.map_while(Result::ok));
    assert!(status.success(), "exit status {status}");
    assert!(log.contains("billing server stopped"), "{log}");
    assert!(!log.contains("jwt-secret-that-must-not-leak-0123456789"));
}

mod plain_http {
    /// A plain HTTP/1.0 GET of /healthz, so this test needs no async runtime.
    pub fn health_status(port: u64) -> u16 {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", u16::try_from(port).unwrap())).unwrap();
        stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
    }
}
