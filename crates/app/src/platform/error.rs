use crate::platform::store::StoreError;
use catalyst_core::DomainError;

/// What a use case can fail with: a domain answer for the user, or an internal fault.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        if error.is_unique_violation() {
            return AppError::Domain(DomainError::Conflict(
                "a record with the same unique value already exists".to_owned(),
            ));
        }
        match error {
            StoreError::Domain(domain) => AppError::Domain(domain),
            other => AppError::Internal(other.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// A reason for a change to recorded data, as a person typed it: it must say something in
/// words (core's `meaningful_reason`), or the change is refused naming the field.
pub(crate) fn reason_from(field: &str, value: &str) -> AppResult<String> {
    catalyst_core::reason::meaningful_reason(field, value, 2000).map_err(|v| DomainError::Invalid(vec![v]).into())
}
