//! Hooks through which a use case reports what its caller may count or log: billing-core does
//! neither itself, so the server decides what a tenant disagreement or a settled notice becomes.

use std::sync::Arc;

/// The caller's function, told of each `T`.
type Hook<T> = Arc<dyn Fn(&T) + Send + Sync>;

/// Told of each `T` as it happens; unwatched by default.
pub(super) struct Watch<T: ?Sized>(Option<Hook<T>>);

impl<T: ?Sized> Watch<T> {
    pub(super) fn new(watch: impl Fn(&T) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(watch)))
    }

    /// True when someone listens, so callers can skip building what nobody reads.
    pub(super) fn is_watched(&self) -> bool {
        self.0.is_some()
    }

    pub(super) fn tell(&self, value: &T) {
        if let Some(watch) = &self.0 {
            watch(value);
        }
    }
}

impl<T: ?Sized> Default for Watch<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T: ?Sized> Clone for Watch<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: ?Sized> std::fmt::Debug for Watch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_watched() { "Watch(watched)" } else { "Watch(unwatched)" })
    }
}
