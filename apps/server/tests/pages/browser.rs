//! A headless Chromium behind a chromedriver this test starts and stops: navigation, polling
//! for elements and text with a deadline, and screenshots. At most two browsers run at once.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long a page may take to show what a test waits for.
const DEADLINE: Duration = Duration::from_secs(20);

/// Browsers running at once. Each Chromium wants a core of its own while a page loads; on a
/// two-core machine more of them make every deadline a race.
static BROWSERS: Semaphore = Semaphore::const_new(2);

/// Ports tried before giving up: another process may take the free port found for chromedriver
/// before chromedriver binds it.
const DRIVER_ATTEMPTS: usize = 5;

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

/// Reads chromedriver's output to the end, answering once whether it is listening: it says
/// "started successfully" then, and exits when its port was taken. Reading on keeps the pipe
/// open, so chromedriver never writes into a closed one.
fn watch_start(stdout: ChildStdout) -> mpsc::Receiver<bool> {
    let (started, verdict) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("started successfully") {
                let _ = started.send(true);
            }
        }
        let _ = started.send(false);
    });
    verdict
}

/// A chromedriver listening on `port`, or `None` when it could not take the port.
async fn try_driver(port: u16) -> Option<Driver> {
    let mut child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("chromedriver runs (apt-get install chromium chromium-driver)");
    let verdict = watch_start(child.stdout.take().unwrap());
    let driver = Driver { child, port, _profile: tempfile::tempdir().unwrap() };
    let started = Instant::now();
    while started.elapsed() < DEADLINE {
        match verdict.try_recv() {
            Ok(listening) => return listening.then_some(driver),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("chromedriver did not start on port {port}");
}

async fn start_driver() -> Driver {
    for _ in 0..DRIVER_ATTEMPTS {
        if let Some(driver) = try_driver(free_port()).await {
            return driver;
        }
    }
    panic!("chromedriver found no free port in {DRIVER_ATTEMPTS} attempts");
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
    /// Dropped last, once the driver and its browser are gone.
    _permit: SemaphorePermit<'static>,
}

impl Browser {
    pub async fn start(name: &'static str) -> Self {
        let permit = BROWSERS.acquire().await.unwrap();
        let driver = start_driver().await;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(driver._profile.path()))
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("a Chromium session starts");
        Self { client, name, _driver: driver, _permit: permit }
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
