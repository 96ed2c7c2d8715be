//! Server events: every change to a user's items, fanned out to that user's WebSocket
//! connections (`x-accord-websocket` in the contract).

use api_types::{ServerEvent, ServerEventType};
use tokio::sync::broadcast;
use uuid::Uuid;

/// The bus the item handlers publish to and each connection subscribes to.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<(Uuid, ServerEvent)>,
}

impl Default for Events {
    fn default() -> Self {
        // A connection more than 256 events behind skips ahead (it is told by a lag).
        let (sender, _) = broadcast::channel(256);
        Events { sender }
    }
}

impl Events {
    /// Tells `owner`'s connections that an item changed.
    pub fn item_changed(&self, owner: Uuid, item: Uuid, kind: ServerEventType) {
        let event = ServerEvent {
            type_: kind,
            item_id: Some(item),
            at: chrono::Utc::now(),
        };
        // No receiver (nobody connected) is fine.
        let _ = self.sender.send((owner, event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<(Uuid, ServerEvent)> {
        self.sender.subscribe()
    }
}
