//! Messages as the message pages show them.

use techreg_entities::alerts::message;
use techreg_views::pages::messages::MessageRow;

use super::model::{Kind, is_in_app_path};
use crate::core::clock::shanghai_minute;

pub fn row(m: &message::Model) -> MessageRow {
    MessageRow {
        id: m.id,
        kind: Kind::from_code(&m.kind).map_or("通知", Kind::label),
        title: m.title.clone(),
        body: m.body.clone(),
        has_link: m.link.as_deref().is_some_and(is_in_app_path),
        created_at: shanghai_minute(m.created_at),
        read_at: m.read_at.map(shanghai_minute),
    }
}
