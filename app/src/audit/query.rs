//! Reading the log back for the pages that show an object's history.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use techreg_entities::audit::audit_log;

/// The newest `limit` rows about objects of `object_type` whose id starts
/// with `id_prefix` (a year's calendar days, say), newest first.
pub async fn history_of<C: ConnectionTrait>(
    db: &C,
    object_type: &str,
    id_prefix: &str,
    limit: u64,
) -> Result<Vec<audit_log::Model>, DbErr> {
    audit_log::Entity::find()
        .filter(audit_log::Column::ObjectType.eq(object_type))
        .filter(audit_log::Column::ObjectId.starts_with(id_prefix))
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
