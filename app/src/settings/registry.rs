//! The known settings. Later modules add their own entries here.

use serde_json::{Value, json};

use crate::core::config::Config;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingKind {
    Text {
        max_chars: usize,
    },
    Integer {
        min: i64,
        max: i64,
    },
    /// Text with `{占位符}` fields; only the listed ones may appear.
    Template {
        max_chars: usize,
        fields: &'static [&'static str],
    },
}

/// The fields a deadline reminder template may use.
pub const REMINDER_FIELDS: &[&str] = &["编号", "名称", "阶段", "期限", "天数"];

#[derive(Clone, Copy, Debug)]
pub struct SettingDef {
    pub key: &'static str,
    /// Chinese label for the admin screen.
    pub label: &'static str,
    pub kind: SettingKind,
    pub default: fn(&Config) -> Value,
}

static DEFINITIONS: &[SettingDef] = &[
    SettingDef {
        key: "portal.announcement",
        label: "门户首页公告（为空则不显示）",
        kind: SettingKind::Text { max_chars: 500 },
        default: |_| json!(""),
    },
    SettingDef {
        key: "security.password_min_length",
        label: "密码最小长度",
        kind: SettingKind::Integer { min: 8, max: 64 },
        default: |_| json!(8),
    },
    SettingDef {
        key: "security.password_history",
        label: "不得重复使用最近几次的密码",
        kind: SettingKind::Integer { min: 1, max: 24 },
        default: |_| json!(5),
    },
    SettingDef {
        key: "security.password_max_age_days",
        label: "密码有效期（天），到期强制修改",
        kind: SettingKind::Integer { min: 1, max: 365 },
        default: |_| json!(90),
    },
    SettingDef {
        key: "security.lockout_threshold",
        label: "连续失败几次后锁定账户",
        kind: SettingKind::Integer { min: 3, max: 10 },
        default: |_| json!(5),
    },
    SettingDef {
        key: "security.lockout_minutes",
        label: "账户锁定时长（分钟）",
        kind: SettingKind::Integer { min: 5, max: 1440 },
        default: |_| json!(30),
    },
    SettingDef {
        key: "security.session_idle_minutes",
        label: "会话空闲超时（分钟）",
        kind: SettingKind::Integer { min: 5, max: 120 },
        default: |_| json!(30),
    },
    SettingDef {
        key: "security.session_absolute_hours",
        label: "会话最长时限（小时）",
        kind: SettingKind::Integer { min: 1, max: 24 },
        default: |_| json!(12),
    },
    SettingDef {
        key: "security.sms_code_minutes",
        label: "短信验证码有效期（分钟）",
        kind: SettingKind::Integer { min: 1, max: 15 },
        default: |_| json!(5),
    },
    SettingDef {
        key: "security.login_rate_per_ip",
        label: "每个地址每 10 分钟最多登录尝试次数",
        kind: SettingKind::Integer { min: 5, max: 1000 },
        default: |_| json!(50),
    },
    SettingDef {
        key: "contracts.acceptance_days",
        label: "受理时限（工作日，自提交或补正提交次日起算）",
        kind: SettingKind::Integer { min: 1, max: 30 },
        default: |_| json!(2),
    },
    SettingDef {
        key: "contracts.review_days",
        label: "审查时限（工作日，自受理次日起算，至审定）",
        kind: SettingKind::Integer { min: 1, max: 60 },
        default: |_| json!(7),
    },
    SettingDef {
        key: "contracts.expert_review_days",
        label: "需专家评审时的总时限（工作日，自受理次日起算）",
        kind: SettingKind::Integer { min: 1, max: 90 },
        default: |_| json!(20),
    },
    SettingDef {
        key: "contracts.large_threshold_yuan",
        label: "大额合同门槛（技术交易额，元）",
        kind: SettingKind::Integer {
            min: 1,
            max: 10_000_000_000,
        },
        default: |_| json!(5_000_000),
    },
    SettingDef {
        key: "contracts.due_soon_days",
        label: "审查队列“即将到期”的提前量（工作日）",
        kind: SettingKind::Integer { min: 0, max: 10 },
        default: |_| json!(2),
    },
    SettingDef {
        key: "contracts.approval_code_prefix",
        label: "本系统生成的统一审批编码前缀（不得与一网通办平台的编码冲突）",
        kind: SettingKind::Text { max_chars: 10 },
        default: |_| json!("JSHT"),
    },
    SettingDef {
        key: "contracts.number_format",
        label: "登记编号格式（{year} 年份、{office} 登记处编码、{serial} 六位流水号）",
        kind: SettingKind::Text { max_chars: 60 },
        default: |_| json!("{year}{office}{serial}"),
    },
    SettingDef {
        key: "contracts.return_clock",
        label: "退回补正后的计时方式（restart 重新计时 / pause 暂停后接续）",
        kind: SettingKind::Text { max_chars: 10 },
        default: |_| json!("restart"),
    },
    SettingDef {
        key: "reminders.days_before",
        label: "期限前几个工作日提醒（0 为不提醒）",
        kind: SettingKind::Integer { min: 0, max: 5 },
        default: |_| json!(1),
    },
    SettingDef {
        key: "reminders.on_due_day",
        label: "期限当日是否提醒（1 提醒，0 不提醒）",
        kind: SettingKind::Integer { min: 0, max: 1 },
        default: |_| json!(1),
    },
    SettingDef {
        key: "reminders.overdue_every_days",
        label: "逾期后每几个工作日提醒一次（0 为不提醒）",
        kind: SettingKind::Integer { min: 0, max: 10 },
        default: |_| json!(1),
    },
    SettingDef {
        key: "reminders.send_hour",
        label: "每个工作日几点起发送提醒（0–23 时）",
        kind: SettingKind::Integer { min: 0, max: 23 },
        default: |_| json!(9),
    },
    SettingDef {
        key: "reminders.template_before",
        label: "期限前提醒的短信内容",
        kind: SettingKind::Template {
            max_chars: 200,
            fields: REMINDER_FIELDS,
        },
        default: |_| {
            json!(
                "您办理的技术合同“{名称}”（{编号}）{阶段}期限为 {期限}，还有 {天数} 个工作日，请按期办结。"
            )
        },
    },
    SettingDef {
        key: "reminders.template_due",
        label: "期限当日提醒的短信内容",
        kind: SettingKind::Template {
            max_chars: 200,
            fields: REMINDER_FIELDS,
        },
        default: |_| {
            json!("您办理的技术合同“{名称}”（{编号}）{阶段}期限为今天（{期限}），请今日办结。")
        },
    },
    SettingDef {
        key: "reminders.template_overdue",
        label: "逾期提醒的短信内容",
        kind: SettingKind::Template {
            max_chars: 200,
            fields: REMINDER_FIELDS,
        },
        default: |_| {
            json!(
                "您办理的技术合同“{名称}”（{编号}）{阶段}已超过期限（{期限}）{天数} 个工作日，请尽快办理。"
            )
        },
    },
    SettingDef {
        key: "sms.yearly_quota",
        label: "短信年度配额（条）",
        kind: SettingKind::Integer {
            min: 1,
            max: 100_000_000,
        },
        default: |_| json!(100_000),
    },
    SettingDef {
        key: "sms.quota_warn_percent",
        label: "短信发送量达到配额的百分之几时提醒系统管理员",
        kind: SettingKind::Integer { min: 1, max: 100 },
        default: |_| json!(80),
    },
    SettingDef {
        key: "duplicates.min_score",
        label: "可能重复合同的最低评分（0–100，达到即提示审查员）",
        kind: SettingKind::Integer { min: 1, max: 100 },
        default: |_| json!(70),
    },
    SettingDef {
        key: "duplicates.date_window_days",
        label: "查重：签订日期相差不超过几天视为同一时间（超过三倍则不视为重复）",
        kind: SettingKind::Integer { min: 1, max: 365 },
        default: |_| json!(31),
    },
    SettingDef {
        key: "duplicates.amount_tolerance_pct",
        label: "查重：成交额相差达到百分之几视为不同金额",
        kind: SettingKind::Integer { min: 1, max: 100 },
        default: |_| json!(10),
    },
    SettingDef {
        key: "ui.page_size",
        label: "列表每页条数",
        kind: SettingKind::Integer { min: 10, max: 200 },
        default: |_| json!(20),
    },
];

pub fn definitions() -> &'static [SettingDef] {
    DEFINITIONS
}

pub fn find(key: &str) -> Option<&'static SettingDef> {
    DEFINITIONS.iter().find(|d| d.key == key)
}

impl SettingDef {
    /// Parses an admin's input into the stored JSON value, or a Chinese
    /// message saying what is wrong.
    pub fn parse(&self, input: &str) -> Result<Value, String> {
        match self.kind {
            SettingKind::Text { max_chars } => {
                let text = input.trim();
                if text.chars().count() > max_chars {
                    return Err(format!("{}不能超过 {max_chars} 个字符", self.label));
                }
                Ok(json!(text))
            }
            SettingKind::Template { max_chars, fields } => {
                let text = input.trim();
                if text.is_empty() {
                    return Err(format!("{}不能为空", self.label));
                }
                if text.chars().count() > max_chars {
                    return Err(format!("{}不能超过 {max_chars} 个字符", self.label));
                }
                check_fields(text, fields).map_err(|e| format!("{}：{e}", self.label))?;
                Ok(json!(text))
            }
            SettingKind::Integer { min, max } => {
                let n: i64 = input
                    .trim()
                    .parse()
                    .map_err(|_| format!("{}必须是整数", self.label))?;
                if n < min || n > max {
                    return Err(format!("{}必须在 {min} 到 {max} 之间", self.label));
                }
                Ok(json!(n))
            }
        }
    }
}

/// Every `{…}` in `text` names one of `fields`, and braces pair up.
fn check_fields(text: &str, fields: &[&str]) -> Result<(), String> {
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("“}”没有对应的“{”".into());
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| "“{”没有对应的“}”".to_owned())?;
        let name = &after[..close];
        if !fields.contains(&name) {
            return Err(format!(
                "不认识的占位符 {{{name}}}，可用的有：{}",
                fields
                    .iter()
                    .map(|f| format!("{{{f}}}"))
                    .collect::<Vec<_>>()
                    .join("、")
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// Fills `{field}` placeholders of a template checked by [`check_fields`].
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = definitions().iter().map(|d| d.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), definitions().len());
    }

    #[test]
    fn parse_checks_range_and_type() {
        let d = find("ui.page_size").unwrap();
        assert_eq!(d.parse(" 50 ").unwrap(), json!(50));
        assert!(d.parse("5").unwrap_err().contains("10 到 200"));
        assert!(d.parse("abc").unwrap_err().contains("整数"));
        let t = find("portal.announcement").unwrap();
        assert!(t.parse(&"字".repeat(501)).is_err());
        assert_eq!(t.parse(" 通知 ").unwrap(), json!("通知"));
    }

    #[test]
    fn templates_accept_known_fields_only() {
        let def = find("reminders.template_due").unwrap();
        assert!(def.parse("请办理{编号}，期限{期限}").is_ok());
        let e = def.parse("请办理{编码}").unwrap_err();
        assert!(e.contains("不认识的占位符 {编码}"), "{e}");
        assert!(def.parse("请办理{编号").unwrap_err().contains("没有对应"));
        assert!(def.parse("请办理}").unwrap_err().contains("没有对应"));
        assert!(def.parse("  ").unwrap_err().contains("不能为空"));
        assert!(def.parse(&"字".repeat(201)).unwrap_err().contains("200"));
    }

    #[test]
    fn every_default_passes_its_own_check() {
        let config = crate::core::config::Config::default();
        for def in definitions() {
            let v = (def.default)(&config);
            let text = v
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string());
            assert!(def.parse(&text).is_ok(), "{}", def.key);
        }
    }

    #[test]
    fn filling_replaces_every_field() {
        assert_eq!(
            fill(
                "{编号}于{期限}到期，{编号}",
                &[("编号", "JSHT1"), ("期限", "2027-03-05")]
            ),
            "JSHT1于2027-03-05到期，JSHT1"
        );
    }
}
