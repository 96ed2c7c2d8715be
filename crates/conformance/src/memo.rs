//! What a run works out once and keeps, by type: a module keeps its own caches in the run's
//! context (`Ctx::memo`) without the context knowing its types (the
//! behaviour phase's kinds of resource and the references of each operation's body), so
//! that no module depends on one that depends on it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One value of each type, made on first use.
#[derive(Default)]
pub struct Memo(Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

impl Memo {
    /// The value of type `T`, made by `init` the first time it is asked for. `init` runs
    /// without the memo locked (it may ask for other values); where two make it at once,
    /// the first kept is the one every caller gets.
    pub fn get_or_init<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let id = TypeId::of::<T>();
        if let Some(found) = self.get::<T>(id) {
            return found;
        }
        let made = Arc::new(init());
        let Ok(mut map) = self.0.lock() else {
            return made;
        };
        let kept = map
            .entry(id)
            .or_insert_with(|| made.clone() as Arc<dyn Any + Send + Sync>)
            .clone();
        kept.downcast::<T>().unwrap_or(made)
    }

    fn get<T: Any + Send + Sync>(&self, id: TypeId) -> Option<Arc<T>> {
        let map = self.0.lock().ok()?;
        map.get(&id)?.clone().downcast::<T>().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn each_type_is_made_once() {
        let memo = Memo::default();
        let mut made = 0;
        let first = memo.get_or_init(|| {
            made += 1;
            vec![1u8]
        });
        let again = memo.get_or_init(|| {
            made += 1;
            vec![2u8]
        });
        assert_eq!(
            (first.as_slice(), again.as_slice(), made),
            (&[1u8][..], &[1u8][..], 1)
        );
        assert_eq!(*memo.get_or_init(|| 7u32), 7);
    }
}
