//! The certificate as a one-page A4 PDF. The CJK font is read from
//! `certificate.font_path` (a TrueType file or collection) and subset into
//! each PDF, so a certificate stays a few dozen kilobytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use printpdf::{
    Color, FontId, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};
use qrcode::{EcLevel, QrCode};

use super::canonical::{CertifiedData, PartyRef};

pub const TITLE: &str = "上海市技术合同认定登记证明";
pub const SEAL_TEXT: &str = "上海市技术市场管理办公室技术合同认定登记专用章";

/// What the PDF shows besides the certified data.
pub struct PdfExtras<'a> {
    pub verification_code: &'a str,
    pub verify_url: &'a str,
    pub key_id: &'a str,
    pub signature_hex: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("证明字体无法读取 {0}: {1}（配置项 certificate.font_path）")]
    FontMissing(PathBuf, std::io::Error),
    #[error("证明字体无法解析 {0}（配置项 certificate.font_path / certificate.font_index）")]
    FontInvalid(PathBuf),
    #[error("二维码生成失败: {0}")]
    Qr(String),
}

type FontCache = Mutex<HashMap<(PathBuf, usize), Arc<ParsedFont>>>;

/// Parsing a 5 MB collection takes a while; each font is parsed once.
fn font(path: &Path, index: usize) -> Result<Arc<ParsedFont>, PdfError> {
    static CACHE: std::sync::OnceLock<FontCache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (path.to_path_buf(), index);
    if let Some(f) = cache.lock().expect("font cache").get(&key) {
        return Ok(f.clone());
    }
    let bytes = std::fs::read(path).map_err(|e| PdfError::FontMissing(path.to_path_buf(), e))?;
    let parsed = ParsedFont::from_bytes(&bytes, index, &mut Vec::new())
        .ok_or_else(|| PdfError::FontInvalid(path.to_path_buf()))?;
    let parsed = Arc::new(parsed);
    cache
        .lock()
        .expect("font cache")
        .insert(key, parsed.clone());
    Ok(parsed)
}

/// Yuan with two decimals and thousands separators: 1,234,567.89.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let digits = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", fen % 100)
}

fn cn_date(d: chrono::NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// Rough advance of a string in ems: CJK full width, ASCII about half.
fn ems(s: &str) -> f32 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum()
}

/// Breaks `s` into lines no wider than `max_ems`.
fn wrap(s: &str, max_ems: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut width = 0.0;
    for c in s.chars() {
        let w = if c.is_ascii() { 0.55 } else { 1.0 };
        if width + w > max_ems && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            width = 0.0;
        }
        line.push(c);
        width += w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn parties(list: &[PartyRef]) -> String {
    list.iter()
        .map(|p| match &p.credit_code {
            Some(code) => format!("{}（{}）", p.name, code),
            None => p.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("；")
}

struct Canvas {
    ops: Vec<Op>,
    font: FontId,
}

const BLACK: Color = Color::Rgb(Rgb {
    r: 0.0,
    g: 0.0,
    b: 0.0,
    icc_profile: None,
});
const RED: Color = Color::Rgb(Rgb {
    r: 0.8,
    g: 0.05,
    b: 0.05,
    icc_profile: None,
});

impl Canvas {
    fn text(&mut self, x_mm: f32, y_mm: f32, size: f32, s: &str) {
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(self.font.clone()),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Mm(x_mm).into_pt(),
                    y: Mm(y_mm).into_pt(),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(s.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    fn centered(&mut self, y_mm: f32, size: f32, s: &str) {
        let width_mm = ems(s) * size * 25.4 / 72.0;
        self.text((210.0 - width_mm) / 2.0, y_mm, size, s);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, mode: PaintMode) {
        let mut r = Rect::from_xywh(
            Mm(x).into_pt(),
            Mm(y).into_pt(),
            Mm(w).into_pt(),
            Mm(h).into_pt(),
        );
        r.mode = Some(mode);
        self.ops.push(Op::DrawRectangle { rectangle: r });
    }

    /// A labelled row; long values wrap. Returns the next baseline.
    fn row(&mut self, y: f32, label: &str, value: &str) -> f32 {
        const SIZE: f32 = 11.0;
        const LINE: f32 = 6.2;
        self.text(28.0, y, SIZE, label);
        let mut y = y;
        for line in wrap(value, 36.0) {
            self.text(62.0, y, SIZE, &line);
            y -= LINE;
        }
        y - 1.8
    }

    /// The QR code as filled squares, lower-left corner at (x, y).
    fn qr(&mut self, x: f32, y: f32, size_mm: f32, url: &str) -> Result<(), PdfError> {
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
            .map_err(|e| PdfError::Qr(e.to_string()))?;
        let n = code.width();
        let colors = code.to_colors();
        let quiet = 2.0;
        let module = size_mm / (n as f32 + 2.0 * quiet);
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    let top = y + size_mm - (quiet + row as f32) * module;
                    self.rect(
                        x + (quiet + start as f32) * module,
                        top - module,
                        (col - start) as f32 * module,
                        module,
                        PaintMode::Fill,
                    );
                } else {
                    col += 1;
                }
            }
        }
        Ok(())
    }
}

/// Renders the certificate.
pub fn render(
    font_path: &Path,
    font_index: usize,
    d: &CertifiedData,
    extras: &PdfExtras<'_>,
) -> Result<Vec<u8>, PdfError> {
    let parsed = font(font_path, font_index)?;
    let mut doc = PdfDocument::new(&format!("{TITLE} {}", d.registration_number));
    let font = doc.add_font(&parsed);
    let mut c = Canvas {
        ops: Vec::new(),
        font,
    };
    c.ops.push(Op::SetFillColor { col: BLACK });
    c.ops.push(Op::SetOutlineColor { col: BLACK });
    c.ops.push(Op::SetOutlineThickness { pt: Pt(1.2) });
    c.rect(15.0, 15.0, 180.0, 267.0, PaintMode::Stroke);
    c.centered(258.0, 22.0, TITLE);
    c.centered(249.0, 11.0, &format!("登记编号：{}", d.registration_number));

    let mut y = 232.0;
    y = c.row(y, "统一审批编码", &d.approval_code);
    y = c.row(y, "合同名称", &d.contract_name);
    y = c.row(y, "合同编号", &d.contract_number);
    let category = if d.subtype_label.is_empty() {
        d.category_label.clone()
    } else {
        format!("{}（{}）", d.category_label, d.subtype_label)
    };
    y = c.row(y, "合同类别", &category);
    y = c.row(y, "卖方", &parties(&d.sellers));
    y = c.row(y, "买方", &parties(&d.buyers));
    y = c.row(
        y,
        "成交额",
        &format!("人民币 {} 元", yuan(d.deal_amount_fen)),
    );
    y = c.row(
        y,
        "技术交易额",
        &format!("人民币 {} 元", yuan(d.tech_amount_fen)),
    );
    y = c.row(y, "签订日期", &cn_date(d.signed_on));
    y = c.row(
        y,
        "有效期",
        &format!("{} 至 {}", cn_date(d.valid_from), cn_date(d.valid_to)),
    );
    y = c.row(y, "登记机构", &d.office_name);
    c.row(y, "登记日期", &cn_date(d.registered_on));

    c.text(
        28.0,
        92.0,
        10.0,
        "经审查，上述合同符合技术合同认定登记的条件，予以登记。",
    );

    // QR code and verification code, lower left.
    c.qr(26.0, 38.0, 42.0, extras.verify_url)?;
    c.text(
        28.0,
        32.0,
        10.0,
        &format!("核验码：{}", extras.verification_code),
    );
    c.text(28.0, 27.0, 7.0, "扫描二维码或访问下列地址核验本证明：");
    c.text(28.0, 23.5, 7.0, extras.verify_url);

    // The seal, lower right.
    c.ops.push(Op::SetOutlineColor { col: RED });
    c.ops.push(Op::SetFillColor { col: RED });
    c.rect(112.0, 48.0, 70.0, 30.0, PaintMode::Stroke);
    let seal_lines = wrap(SEAL_TEXT, 12.0);
    let mut sy = 68.0;
    for line in &seal_lines {
        c.text(116.0, sy, 12.0, line);
        sy -= 7.0;
    }
    c.ops.push(Op::SetFillColor { col: BLACK });
    c.text(120.0, 42.0, 10.0, &cn_date(d.registered_on));

    // Signature in small print.
    c.text(
        28.0,
        19.5,
        5.5,
        &format!(
            "电子签名 SM2-with-SM3，签名密钥 {}，规范文本版本 1：",
            extras.key_id
        ),
    );
    let (first, second) = extras
        .signature_hex
        .split_at(extras.signature_hex.len() / 2);
    c.text(28.0, 17.6, 5.5, first);
    c.text(110.0, 17.6, 5.5, second);

    let page = PdfPage::new(Mm(210.0), Mm(297.0), c.ops);
    let opts = PdfSaveOptions {
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    Ok(doc.with_pages(vec![page]).save(&opts, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_has_two_decimals_and_groups() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(123_456_789), "1,234,567.89");
        assert_eq!(yuan(100_000_000), "1,000,000.00");
        assert_eq!(yuan(99_900), "999.00");
    }

    #[test]
    fn wrapping_respects_the_width() {
        assert_eq!(wrap("", 10.0), vec![String::new()]);
        let lines = wrap(&"技".repeat(25), 10.0);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| ems(l) <= 10.0));
    }
}
