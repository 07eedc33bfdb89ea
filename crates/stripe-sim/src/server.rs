//! Starting the simulator: the actix-web app on a loopback port, in-process or standalone.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};

use crate::clock::SimClock;
use crate::config::SimConfig;
use crate::routes;
use crate::state::State;
use crate::webhooks::Faults;

/// What every handler shares: the world and its clock.
#[derive(Debug, Clone)]
pub struct Sim {
    pub state: Arc<Mutex<State>>,
    pub clock: SimClock,
}

/// Why the simulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the port could not be bound")]
    Bind(#[source] std::io::Error),
    #[error("the example objects did not load: {0}")]
    Templates(String),
    #[error("the webhook HTTP client could not be built")]
    Delivery(#[source] reqwest::Error),
}

/// Builds and starts simulators.
#[derive(Debug)]
pub struct Simulator;

/// A running simulator; dropping it leaves the server running until [`SimHandle::stop`].
#[derive(Debug, Clone)]
pub struct SimHandle {
    /// `http://127.0.0.1:<port>`, for `StripeConfig::base_url`.
    pub base_url: String,
    /// The simulator's clock, to read simulated time in tests.
    pub clock: SimClock,
    state: Arc<Mutex<State>>,
    server: ServerHandle,
}

impl SimHandle {
    /// Replaces the webhook delivery faults (`Faults::default()` turns them off), as
    /// `POST /v1/test_helpers/webhook_faults` does.
    pub fn faults(&self, faults: Faults) {
        if let Ok(mut state) = self.state.lock() {
            state.faults = faults;
        }
    }

    /// Stops the server gracefully.
    pub async fn stop(&self) {
        self.server.stop(true).await;
    }
}

impl Simulator {
    /// Starts a simulator on `127.0.0.1:0` inside the current tokio runtime.
    ///
    /// # Errors
    /// [`StartError`] when no port can be bound or the example objects are broken.
    pub fn start(config: SimConfig) -> Result<SimHandle, StartError> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).map_err(StartError::Bind)?;
        Self::start_on(config, listener)
    }

    /// Starts a simulator on an already bound listener (the binary binds its `--port`).
    ///
    /// # Errors
    /// [`StartError`] when the listener cannot serve or the example objects are broken.
    pub fn start_on(config: SimConfig, listener: TcpListener) -> Result<SimHandle, StartError> {
        crate::templates::check().map_err(StartError::Templates)?;
        let port = listener.local_addr().map_err(StartError::Bind)?.port();
        let base_url = format!("http://127.0.0.1:{port}");
        let mut state = State::new(&config);
        state.base_url.clone_from(&base_url);
        let sim = Sim { state: Arc::new(Mutex::new(state)), clock: SimClock::new() };
        let clock = sim.clock.clone();
        let shared = Arc::clone(&sim.state);
        crate::delivery::spawn(Arc::clone(&shared), config.retry_schedule.clone(), config.delivery_timeout)
            .map_err(StartError::Delivery)?;
        let server = HttpServer::new(move || {
            App::new().app_data(web::Data::new(sim.clone())).configure(routes::configure).configure(crate::pages::configure)
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .map_err(StartError::Bind)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(SimHandle { base_url, clock, state: shared, server: handle })
    }
}
