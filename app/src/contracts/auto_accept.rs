//! F25: an application the office has not acted on within the acceptance
//! limit (its stage deadline has passed) is accepted by the system,
//! recorded as a system action, with notices to the applicant and to the
//! reviewer who gets it.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use techreg_entities::contract::contract;

use crate::boot::AppState;
use crate::contracts::service::{self, ActInput};
use crate::contracts::state::{Action, Status};
use crate::web::WebError;

/// Cases handled per run; the next run takes the rest.
const BATCH: u64 = 500;

pub async fn run(state: &AppState) -> Result<u64, WebError> {
    let today = crate::core::clock::shanghai_date(state.core.clock.now());
    let due = contract::Entity::find()
        .filter(contract::Column::Status.eq(Status::Submitted.as_str()))
        .filter(contract::Column::StageDeadline.lt(today))
        .order_by_asc(contract::Column::StageDeadline)
        .order_by_asc(contract::Column::Id)
        .limit(BATCH)
        .all(&state.core.db)
        .await?;
    let mut accepted = 0;
    for c in due {
        let input = ActInput {
            reason: format!(
                "受理期限（{}）已过，登记处未办理，系统自动受理",
                c.stage_deadline.map(|d| d.to_string()).unwrap_or_default()
            ),
            ..Default::default()
        };
        match service::act(state, None, c.id, c.version, Action::AutoAccept, input).await {
            Ok(_) => accepted += 1,
            // Someone (a person or another node) acted first.
            Err(WebError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(accepted)
}
