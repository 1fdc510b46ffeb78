//! The HTTP plumbing shared by the feed fetcher and the geocoder: one way to build a client
//! (rustls with the ring provider, a descriptive User-Agent) on a current-thread tokio runtime
//! (the rest of gethere is synchronous), and transport errors in words a user can act on.

use std::time::Duration;

/// Identifies gethere to servers, as Nominatim's usage policy (and good manners) ask.
pub const USER_AGENT: &str = concat!(
    "gethere/",
    env!("CARGO_PKG_VERSION"),
    " (transit directions for meetups; https://github.com/gethere)"
);

/// A client with the given overall timeout (and connect timeout), and a runtime to drive it.
pub fn client(
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<(reqwest::Client, tokio::runtime::Runtime), String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .build()
        .map_err(|e| format!("could not set up HTTP: {}", root_cause(&e)))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the HTTP runtime: {e}"))?;
    Ok((client, runtime))
}

/// The innermost error, which names the actual problem ("Connection refused") where reqwest's
/// outer layers only say "error sending request".
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// "5 s", "1.5 s", "300 ms".
pub fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
