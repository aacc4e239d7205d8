//! Why a registry lookup failed, in words a hover can show.

use std::time::SystemTime;

/// A failed lookup. Cloneable: one failure answers every hover waiting on the same lookup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Registries answer 404 for a missing tag, and 401 or 403 for a private repository
    /// they will not describe: the user cannot tell them apart, nor can we.
    #[error("not found or not authorized on {host}")]
    NotFound {
        host: String,
        /// The registry said 404: the name or tag does not exist (not an access problem).
        missing: bool,
    },
    #[error("{host} limits requests: lookups resume {}", resume_text(*until))]
    RateLimited { host: String, until: SystemTime },
    #[error("{host} did not answer within {}", seconds_text(*milliseconds))]
    Timeout { host: String, milliseconds: u64 },
    #[error("{host} is unreachable ({reason})")]
    Unreachable { host: String, reason: String },
    #[error("offline: registry lookups are turned off (`registry.offline`) and nothing is cached")]
    Offline,
    #[error("{host} answered {status}: {message}")]
    Status {
        host: String,
        status: u16,
        message: String,
    },
    #[error("{host} sent something unexpected: {message}")]
    Protocol { host: String, message: String },
    #[error("invalid image reference: {0}")]
    Reference(String),
}

impl RegistryError {
    /// Whether the answer says something about the image itself, so that it may be kept
    /// as long as a tag is (the other failures are retried sooner).
    pub fn is_answer(&self) -> bool {
        matches!(self, RegistryError::NotFound { .. })
    }
}

fn seconds_text(milliseconds: u64) -> String {
    if milliseconds.is_multiple_of(1000) {
        format!("{} s", milliseconds / 1000)
    } else {
        format!("{:.1} s", milliseconds as f64 / 1000.0)
    }
}

/// `at 14:05:09 UTC (in 42 s)`.
fn resume_text(until: SystemTime) -> String {
    let wait = until
        .duration_since(SystemTime::now())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let at = jiff::Timestamp::try_from(until)
        .map(|t| t.strftime("%H:%M:%S UTC").to_string())
        .unwrap_or_default();
    if wait == 0 {
        "now".to_owned()
    } else {
        format!("at {at} (in {wait} s)")
    }
}
