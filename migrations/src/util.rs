//! Helpers the migrations share. Changing them changes no schema: every
//! migration passes all it means explicitly.

use sea_orm_migration::prelude::*;

/// Creates an index on `table` over `cols`.
pub async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(*c);
    }
    if unique {
        idx.unique();
    }
    manager.create_index(idx.to_owned()).await
}

/// Adds one column: SQLite adds one column per ALTER TABLE statement.
pub async fn add_column(
    manager: &SchemaManager<'_>,
    table: &'static str,
    col: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(col).to_owned())
        .await
}
