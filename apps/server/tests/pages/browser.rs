//! A headless Chromium behind a chromedriver this test starts and stops: navigation, polling
//! for elements and text with a deadline, and screenshots.

use std::future::Future;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// How long a page may take to show what a test waits for.
const DEADLINE: Duration = Duration::from_secs(20);

/// A chromedriver child process, in a process group of its own so the browsers it started go
/// with it when it is dropped, even after a failed assertion.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("chromedriver runs (apt-get install chromium chromium-driver)");
    let driver = Driver { child, port, _profile: tempfile::tempdir().unwrap() };
    let status = format!("http://127.0.0.1:{port}/status");
    let started = Instant::now();
    while started.elapsed() < DEADLINE {
        if reqwest::get(&status).await.is_ok_and(|r| r.status().is_success()) {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not answer on port {port}");
}

/// Chromium as root in a container: no sandbox, no GPU, nothing that calls out to the network.
fn capabilities(profile: &std::path::Path) -> serde_json::Map<String, serde_json::Value> {
    let mut options = json!({"args": [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--lang=en-US", "--window-size=1280,1100", format!("--user-data-dir={}", profile.display()),
    ]});
    if std::path::Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let caps = json!({"browserName": "chrome", "goog:chromeOptions": options});
    caps.as_object().cloned().unwrap()
}

/// One browser session, named after its test for its screenshots.
pub struct Browser {
    pub client: Client,
    name: &'static str,
    _driver: Driver,
}

impl Browser {
    pub async fn start(name: &'static str) -> Self {
        let driver = start_driver().await;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(driver._profile.path()))
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("a Chromium session starts");
        Self { client, name, _driver: driver }
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.unwrap()
    }

    /// Polls `check` until it answers `Some`, or fails the test with `what` and a screenshot.
    pub async fn until<T, F, Fut>(&self, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let started = Instant::now();
        while started.elapsed() < DEADLINE {
            if let Some(found) = check().await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot(&format!("failed-{}", what.replace(|c: char| !c.is_ascii_alphanumeric(), "-"))).await;
        panic!("{}: never saw {what}; page text:\n{}", self.name, self.body_text().await);
    }

    /// The first element matching `css` once it is displayed.
    pub async fn shown(&self, css: &str) -> Element {
        self.until(css, || async {
            let found = self.client.find(Locator::Css(css)).await.ok()?;
            found.is_displayed().await.ok()?.then_some(found)
        })
        .await
    }

    /// Waits until an element matching `css` is displayed with text containing `text`.
    pub async fn shows(&self, css: &str, text: &str) -> Element {
        self.until(&format!("{css} with {text}"), || async {
            for found in self.client.find_all(Locator::Css(css)).await.ok()? {
                if found.is_displayed().await.ok()? && found.text().await.ok()?.contains(text) {
                    return Some(found);
                }
            }
            None
        })
        .await
    }

    /// How many displayed elements match `css` now.
    pub async fn count_shown(&self, css: &str) -> usize {
        let mut shown = 0;
        for found in self.client.find_all(Locator::Css(css)).await.unwrap() {
            if found.is_displayed().await.unwrap_or(false) {
                shown += 1;
            }
        }
        shown
    }

    pub async fn click(&self, css: &str) {
        self.shown(css).await.click().await.unwrap();
    }

    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no body: {e})"),
        }
    }

    /// Saves the viewport as `<test>-<state>.png` under `target/pages-screenshots/`.
    pub async fn screenshot(&self, state: &str) -> PathBuf {
        let dir = screenshots();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}-{state}.png", self.name));
        if let Ok(png) = self.client.screenshot().await {
            std::fs::write(&path, png).unwrap();
        }
        path
    }

    /// Resizes the window: phone width for the responsive layout.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
    }

    /// Ends the session; the driver and its browser stop when the browser is dropped.
    pub async fn finish(self) {
        let _ = self.client.close().await;
    }
}

/// `target/pages-screenshots/`, beside the test binaries' temporary directory.
pub fn screenshots() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map(|target| target.join("pages-screenshots")).unwrap_or(tmp)
}
