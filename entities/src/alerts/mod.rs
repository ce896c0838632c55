//! Alerts: the in-app message center, deadline reminders, one-off alerts.

pub mod alert_once;
pub mod deadline_reminder;
pub mod message;
