//! The reports as Excel workbooks: numbers as numbers, a title row with
//! the period.

use super::growth::{Counts, Growth, UNASSIGNED, month_label};
use super::integrity::Report;
use crate::core::period::Period;

/// The report as an Excel workbook: one sheet per office, one per month,
/// a title row with the period, numbers as numbers.
pub fn growth(g: &Growth) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_background_color("F0F3F7")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let bold = Format::new().set_bold();
    let headers = ["新增注册企业", "首次登记合同企业", "活跃企业"];
    let numbers = |c: &Counts| [c.new_enterprises, c.first_contract, c.active];

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("各登记处")?;
    ws.merge_range(
        0,
        0,
        0,
        4,
        &format!("各登记处企业增长统计（{}）", g.period.label()),
        &title,
    )?;
    for (col, h) in ["登记处编码", "登记处"]
        .iter()
        .chain(headers.iter())
        .enumerate()
    {
        ws.write_string_with_format(1, col as u16, *h, &head)?;
    }
    let mut row = 2u32;
    for r in &g.rows {
        let (code, name) = match &r.office {
            Some(o) => (o.code.as_str(), o.name.as_str()),
            None => ("", UNASSIGNED),
        };
        ws.write_string(row, 0, code)?;
        ws.write_string(row, 1, name)?;
        for (i, n) in numbers(&r.counts).into_iter().enumerate() {
            ws.write_number(row, 2 + i as u16, n as f64)?;
        }
        row += 1;
    }
    ws.write_string_with_format(row, 1, "合计", &bold)?;
    for (i, n) in numbers(&g.total).into_iter().enumerate() {
        ws.write_number_with_format(row, 2 + i as u16, n as f64, &bold)?;
    }
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 30)?;
    for c in 2..5 {
        ws.set_column_width(c, 18)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name("按月")?;
    ws.merge_range(
        0,
        0,
        0,
        3,
        &format!("企业增长按月统计（{}）", g.period.label()),
        &title,
    )?;
    for (col, h) in ["月份"].iter().chain(headers.iter()).enumerate() {
        ws.write_string_with_format(1, col as u16, *h, &head)?;
    }
    for (i, m) in g.months.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string(row, 0, month_label(&m.period))?;
        for (j, n) in numbers(&m.counts).into_iter().enumerate() {
            ws.write_number(row, 1 + j as u16, n as f64)?;
        }
    }
    ws.set_column_width(0, 12)?;
    for c in 1..4 {
        ws.set_column_width(c, 18)?;
    }
    wb.save_to_buffer()
}

/// The integrity report as an Excel workbook: one sheet, a title row with
/// the period, amounts in yuan as numbers.
pub fn integrity(r: &Report, period: &Period) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_background_color("F0F3F7")
        .set_border(FormatBorder::Thin);
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let bold_money = Format::new().set_bold().set_num_format("#,##0.00");
    let headers = [
        "登记处",
        "统一社会信用代码",
        "单位名称",
        "在库有效期",
        "提交申请",
        "已登记",
        "不予受理",
        "不予登记",
        "办理中",
        "登记技术交易额（元）",
    ];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("企业诚信统计")?;
    ws.merge_range(
        0,
        0,
        0,
        headers.len() as u16 - 1,
        &format!("诚信企业统计（{}）", period.label()),
        &title,
    )?;
    for (col, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, col as u16, *h, &head)?;
    }
    let mut row = 2u32;
    for l in &r.lines {
        ws.write_string(row, 0, l.office_label())?;
        ws.write_string(row, 1, &l.enterprise.credit_code)?;
        ws.write_string(row, 2, &l.enterprise.name)?;
        ws.write_string(row, 3, &l.validity)?;
        for (i, n) in [
            l.submitted,
            l.registered,
            l.not_accepted,
            l.refused,
            l.in_progress,
        ]
        .into_iter()
        .enumerate()
        {
            ws.write_number(row, 4 + i as u16, n as f64)?;
        }
        ws.write_number_with_format(row, 9, l.tech_amount as f64 / 100.0, &money)?;
        row += 1;
    }
    let t = r.total();
    ws.write_string_with_format(row, 2, format!("合计（{} 家）", r.lines.len()), &bold)?;
    for (i, n) in [t.0, t.1, t.2, t.3, t.4].into_iter().enumerate() {
        ws.write_number_with_format(row, 4 + i as u16, n as f64, &bold)?;
    }
    ws.write_number_with_format(row, 9, t.5 as f64 / 100.0, &bold_money)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 22)?;
    ws.set_column_width(2, 32)?;
    ws.set_column_width(3, 26)?;
    for c in 4..9 {
        ws.set_column_width(c, 10)?;
    }
    ws.set_column_width(9, 20)?;
    wb.save_to_buffer()
}
