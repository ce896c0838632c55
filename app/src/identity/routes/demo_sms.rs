//! Demo mode only: the messages the log driver kept, codes included.

use poem::web::Data;
use poem::{Response, Route, get, handler};
use techreg_views::pages::identity as pages;

use crate::identity::Identity;
use crate::identity::present;
use crate::identity::sms::demo_inbox;
use crate::web::{Ctx, WebResult};

pub fn routes(route: Route) -> Route {
    route.at("/demo/sms", get(inbox_page))
}

#[handler]
async fn inbox_page(ctx: Ctx, Data(id): Data<&Identity>) -> WebResult<Response> {
    let rows = present::demo_rows(demo_inbox(id).await?);
    Ok(ctx.public("演示短信收件箱", pages::demo_inbox(&rows)).await)
}
