//! The known settings. Later modules add their own entries here.

use serde_json::{Value, json};

use crate::config::Config;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingKind {
    Text { max_chars: usize },
    Integer { min: i64, max: i64 },
}

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
}
