//! The demo's start-up banner: that no real money moves, the billing pages to open, and how to
//! try the API with curl.

use secrecy::ExposeSecret;

use super::Demo;

/// Any `sk_` key opens the simulator, so the banner shows a fixed one instead of the server's.
const HELPER_KEY: &str = "sk_test_demo";

/// The banner's text for `demo`.
pub(super) fn text(demo: &Demo) -> String {
    let (base, sim, org) = (&demo.base_url, &demo.sim.base_url, &demo.org);
    let token = demo.owner_token.expose_secret();
    let pages = &demo.public_url;
    let auth = format!("-H 'Authorization: Bearer {HELPER_KEY}'");
    let clock = format!("{sim}/v1/test_helpers/test_clocks/clock_demo");
    let rule = "#".repeat(78);
    format!(
        "\n{rule}\n\
         ##   DEMO MODE -- NO REAL MONEY MOVES\n\
         ##   Stripe is simulated inside this process ({sim}); only test cards exist.\n\
         {rule}\n\
         Server:        {base}\n\
         Organization:  {org}\n\
         Owner token:   TOKEN={token}\n\n\
         Open the billing pages in a browser (the token stays in the address bar only until the page reads it):\n\
         \x20  Plans:    {pages}/pricing#token={token}\n\
         \x20  Billing:  {pages}/billing#token={token}\n\n\
         Or use the API:\n\
         1. Start a checkout for the team plan (the answer carries session_id):\n\
         \x20  curl -s -X POST {base}/api/billing/checkout -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{{\"plan\":\"team\"}}'\n\
         2. Pay it with the test card 4242 4242 4242 4242:\n\
         \x20  curl -s -X POST {sim}/v1/test_helpers/checkout/sessions/$SESSION_ID/complete {auth} -d card=4242424242424242\n\
         3. See the organization on the plan:\n\
         \x20  curl -s {base}/api/billing/subscription -H \"Authorization: Bearer $TOKEN\"\n\
         4. Advance time 31 days (renewals, grace periods and period ends play out):\n\
         \x20  NOW=$(curl -s {clock} {auth} | grep -o '\"frozen_time\": *[0-9]*' | tr -dc 0-9)\n\
         \x20  curl -s -X POST {clock}/advance {auth} -d frozen_time=$((NOW + 31*86400))\n\
         {rule}"
    )
}

/// Logs the banner at info level, then the same URLs as fields, for scripts that read JSON logs.
pub(super) fn announce(demo: &Demo) {
    tracing::info!("{}", text(demo));
    tracing::info!(server = %demo.base_url, simulator = %demo.sim.base_url, organization = %demo.org, "demo ready");
}
