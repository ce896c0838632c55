//! Where records store dictionary codes. An entry that any of these columns
//! still holds may be deactivated but not deleted.
//!
//! To register a new column (e.g. `enterprise.legal_form_code`), add a
//! [`Reference`] to [`REFERENCES`]; nothing else is needed.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, DbErr};

use super::model::{DICT_ANOMALY_TYPE, DICT_DISTRICT, DICT_LEGAL_FORM};

pub struct Reference {
    pub dictionary: &'static str,
    pub table: &'static str,
    pub column: &'static str,
    /// What the rows are, for the admin screen ("登记处").
    pub label: &'static str,
}

pub const REFERENCES: &[Reference] = &[
    Reference {
        dictionary: DICT_DISTRICT,
        table: "office",
        column: "district_code",
        label: "登记处",
    },
    Reference {
        dictionary: DICT_DISTRICT,
        table: "enterprise",
        column: "district_code",
        label: "单位",
    },
    Reference {
        dictionary: DICT_LEGAL_FORM,
        table: "enterprise",
        column: "legal_form_code",
        label: "单位",
    },
    Reference {
        dictionary: DICT_ANOMALY_TYPE,
        table: "enterprise_anomaly",
        column: "type_code",
        label: "异常信息",
    },
];

/// Rows referring to `code` of `dict`, per registered column: (what, how
/// many), only where the count is not zero.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    dict: &str,
    code: &str,
) -> Result<Vec<(&'static str, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    for r in REFERENCES.iter().filter(|r| r.dictionary == dict) {
        let query = Query::select()
            .expr_as(
                Func::count(Expr::col(Alias::new(r.column))),
                Alias::new("n"),
            )
            .from(Alias::new(r.table))
            .and_where(Expr::col(Alias::new(r.column)).eq(code))
            .to_owned();
        let row = db.query_one_raw(backend.build(&query)).await?;
        let n = match row {
            Some(row) => row.try_get::<i64>("", "n")?,
            None => 0,
        };
        if n > 0 {
            out.push((r.label, n));
        }
    }
    Ok(out)
}
