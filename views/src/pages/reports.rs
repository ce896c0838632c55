//! Statistics pages: the enterprise growth report with its charts. Charts
//! are inline SVG drawn here (no script); the tables are the source of truth.

use maud::{Markup, html};

/// The three measures of one office, month or the total.
#[derive(Clone, Debug, Default)]
pub struct GrowthRow {
    pub code: String,
    pub name: String,
    pub new_enterprises: u64,
    pub first_contract: u64,
    pub active: u64,
}

impl GrowthRow {
    fn values(&self) -> [u64; 3] {
        [self.new_enterprises, self.first_contract, self.active]
    }
}

pub struct OfficeOption {
    pub id: i64,
    pub label: String,
}

pub struct GrowthView<'a> {
    pub preset: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    /// The office filter's choices; `None` when the user sees only their own.
    pub offices: Option<&'a [OfficeOption]>,
    pub office: Option<i64>,
    /// Quick periods: (label, query string).
    pub shortcuts: &'a [(String, String)],
    pub error: Option<&'a str>,
    /// `None` when the input was refused.
    pub report: Option<GrowthReport>,
}

pub struct GrowthReport {
    pub period_label: String,
    pub rows: Vec<GrowthRow>,
    pub total: GrowthRow,
    /// `name` is the month (`2026-07`).
    pub months: Vec<GrowthRow>,
    pub xlsx_href: String,
}

const MEASURES: [&str; 3] = ["新增注册企业", "首次登记合同企业", "活跃企业"];
/// Colours and dash patterns that stay apart in greyscale.
const COLOURS: [&str; 3] = ["#1f5fa8", "#e08a00", "#2e8540"];
const DASHES: [&str; 3] = ["", "6 3", "2 3"];

pub fn enterprise_growth(v: &GrowthView<'_>) -> Markup {
    html! {
        section.panel #enterprise-growth {
            h1 { "各登记处企业增长统计" }
            form.inline method="get" action="/reports/enterprise-growth" {
                label for="period" { "期间" }
                input #period type="text" name="period" value=(v.preset) size="10"
                    placeholder="如 2026、2026-Q3、2026-07" aria-describedby="period-hint";
                label for="from" { "或自" }
                input #from type="date" name="from" value=(v.from);
                label for="to" { "至" }
                input #to type="date" name="to" value=(v.to);
                @if let Some(offices) = v.offices {
                    label for="office" { "登记处" }
                    select #office name="office" {
                        option value="" { "全部" }
                        @for o in offices {
                            option value=(o.id) selected[v.office == Some(o.id)] { (o.label) }
                        }
                    }
                }
                button.button type="submit" { "统计" }
            }
            p.note #period-hint {
                "填写“期间”时按年份、季度或月份统计，否则按起止日期统计（上海时间，含首尾两日，最长 5 年）。快捷："
                @for (i, (label, query)) in v.shortcuts.iter().enumerate() {
                    @if i > 0 { "、" }
                    a href={ "/reports/enterprise-growth?" (query) } { (label) }
                }
            }
            @if let Some(e) = v.error {
                div.flash.flash-error role="alert" #report-error { (e) }
            }
            @if let Some(r) = &v.report {
                (report(r))
            }
        }
    }
}

fn report(r: &GrowthReport) -> Markup {
    html! {
        h2 #period-label { "统计期间：" (r.period_label) }
        p {
            a.button href=(r.xlsx_href) hx-boost="false" download { "导出 Excel" }
        }
        table.data #growth {
            caption { "各登记处企业增长（" (r.period_label) "）" }
            thead {
                tr {
                    th scope="col" { "登记处编码" }
                    th scope="col" { "登记处" }
                    @for m in MEASURES { th scope="col" { (m) } }
                }
            }
            tbody {
                @for row in &r.rows {
                    tr data-office=(row.code) {
                        td.code { (row.code) }
                        th.name scope="row" { (row.name) }
                        td.new { (row.new_enterprises) }
                        td.first { (row.first_contract) }
                        td.active { (row.active) }
                    }
                }
            }
            tfoot {
                tr.total {
                    td.code {}
                    th.name scope="row" { "合计" }
                    td.new { (r.total.new_enterprises) }
                    td.first { (r.total.first_contract) }
                    td.active { (r.total.active) }
                }
            }
        }
        p.note { "合计为不重复的企业数：同一企业在期间内计入两个登记处时，合计中只计一次。" }
        (office_chart(&r.rows, &r.period_label))
        h2 { "按月统计" }
        table.data #growth-months {
            thead {
                tr {
                    th scope="col" { "月份" }
                    @for m in MEASURES { th scope="col" { (m) } }
                }
            }
            tbody {
                @for m in &r.months {
                    tr {
                        th.name scope="row" { (m.name) }
                        td.new { (m.new_enterprises) }
                        td.first { (m.first_contract) }
                        td.active { (m.active) }
                    }
                }
            }
        }
        (month_chart(&r.months, &r.period_label))
    }
}

/// 1, 2 or 5 times a power of ten, at least `v` (and at least 1).
fn nice_ceiling(v: u64) -> u64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= v.max(1) {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// Axis labels: 0, the middle when it is a whole number, the maximum.
fn ticks(max: u64) -> Vec<u64> {
    if max.is_multiple_of(2) {
        vec![0, max / 2, max]
    } else {
        vec![0, max]
    }
}

fn legend(x: u32, y: u32) -> Markup {
    html! {
        @for (i, m) in MEASURES.iter().enumerate() {
            rect x=(x + i as u32 * 150) y=(y) width="14" height="14" fill=(COLOURS[i]) {}
            text x=(x + i as u32 * 150 + 20) y=(y + 12) font-size="13" { (m) }
        }
    }
}

/// Grouped horizontal bars: one group per office, one bar per measure.
fn office_chart(rows: &[GrowthRow], period: &str) -> Markup {
    const LEFT: u32 = 190;
    const WIDTH: u32 = 760;
    const BAR: u32 = 9;
    const GROUP: u32 = 3 * BAR + 12;
    let max = nice_ceiling(rows.iter().flat_map(GrowthRow::values).max().unwrap_or(0));
    let plot = WIDTH - LEFT - 40;
    let height = 40 + rows.len() as u32 * GROUP + 30;
    let scale = |n: u64| (n as f64 * plot as f64 / max as f64).round() as u32;
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%"
                viewBox={ "0 0 " (WIDTH) " " (height) } aria-labelledby="office-chart-title office-chart-desc" {
                title #office-chart-title { "各登记处企业增长柱状图（" (period) "）" }
                desc #office-chart-desc {
                    "每个登记处三根横条，依次为新增注册企业、首次登记合同企业、活跃企业；横轴最大值 " (max) "。数据见上表。"
                }
                (legend(LEFT, 8))
                @for (i, r) in rows.iter().enumerate() {
                    @let y = 36 + i as u32 * GROUP;
                    text x=(LEFT - 8) y=(y + GROUP / 2) text-anchor="end" font-size="12" { (r.name) }
                    @for (j, n) in r.values().into_iter().enumerate() {
                        rect x=(LEFT) y=(y + j as u32 * BAR) width=(scale(n)) height=(BAR - 1) fill=(COLOURS[j]) {
                            title { (r.name) " " (MEASURES[j]) "：" (n) }
                        }
                        text x=(LEFT + scale(n) + 4) y=(y + j as u32 * BAR + BAR - 1) font-size="9" { (n) }
                    }
                }
                @let axis = 36 + rows.len() as u32 * GROUP;
                line x1=(LEFT) y1=(axis) x2=(LEFT + plot) y2=(axis) stroke="#888" {}
                @for t in ticks(max) {
                    text x=(LEFT + scale(t)) y=(axis + 16) text-anchor="middle" font-size="11" { (t) }
                }
            }
            figcaption.note { "图：各登记处企业增长（与上表数据相同）" }
        }
    }
}

/// One line per measure over the months of the period.
fn month_chart(months: &[GrowthRow], period: &str) -> Markup {
    const LEFT: u32 = 50;
    const WIDTH: u32 = 760;
    const TOP: u32 = 36;
    const PLOT_H: u32 = 200;
    let max = nice_ceiling(months.iter().flat_map(GrowthRow::values).max().unwrap_or(0));
    let plot_w = WIDTH - LEFT - 20;
    let step = if months.len() > 1 {
        plot_w as f64 / (months.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| {
        LEFT as f64
            + if months.len() > 1 {
                i as f64 * step
            } else {
                plot_w as f64 / 2.0
            }
    };
    let y = |n: u64| TOP as f64 + PLOT_H as f64 - n as f64 * PLOT_H as f64 / max as f64;
    // Label at most about 12 months along the axis.
    let every = months.len().div_ceil(12).max(1);
    let height = TOP + PLOT_H + 40;
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%"
                viewBox={ "0 0 " (WIDTH) " " (height) } aria-labelledby="month-chart-title month-chart-desc" {
                title #month-chart-title { "企业增长按月折线图（" (period) "）" }
                desc #month-chart-desc {
                    "三条折线依次为每月新增注册企业（实线）、首次登记合同企业（长虚线）、活跃企业（短虚线）；纵轴最大值 " (max) "。数据见上表。"
                }
                (legend(LEFT, 8))
                line x1=(LEFT) y1=(TOP + PLOT_H) x2=(LEFT + plot_w) y2=(TOP + PLOT_H) stroke="#888" {}
                line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(TOP + PLOT_H) stroke="#888" {}
                @for t in ticks(max) {
                    text x=(LEFT - 6) y=(format!("{:.1}", y(t) + 4.0)) text-anchor="end" font-size="11" { (t) }
                }
                @for j in 0..3 {
                    @let points = months.iter().enumerate()
                        .map(|(i, m)| format!("{:.1},{:.1}", x(i), y(m.values()[j])))
                        .collect::<Vec<_>>().join(" ");
                    polyline points=(points) fill="none" stroke=(COLOURS[j]) stroke-width="2"
                        stroke-dasharray=[(!DASHES[j].is_empty()).then_some(DASHES[j])] {}
                    @for (i, m) in months.iter().enumerate() {
                        circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(m.values()[j]))) r="3" fill=(COLOURS[j]) {
                            title { (m.name) " " (MEASURES[j]) "：" (m.values()[j]) }
                        }
                    }
                }
                @for (i, m) in months.iter().enumerate() {
                    @if i % every == 0 {
                        text x=(format!("{:.1}", x(i))) y=(TOP + PLOT_H + 18) text-anchor="middle" font-size="11" { (m.name) }
                    }
                }
            }
            figcaption.note { "图：企业增长按月变化（与上表数据相同）" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::nice_ceiling;

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(250), 500);
    }
}
