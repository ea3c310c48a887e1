use crate::App;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Add `Secure` to the session cookie (set when served over HTTPS).
    pub secure_cookies: bool,
}
