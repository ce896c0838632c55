//! The built-in dictionaries and their entries, seeded at boot with
//! "insert what is missing": admins' edits to labels, order and activity
//! are never overwritten, and built-in entries cannot be deleted.
//!
//! Sources (see `docs/decisions/dictionaries.md`): legal-form codes follow
//! the national technology contract registration form JJ-001 and the
//! national registration-type codes; technology fields the national
//! technology-market statistics; districts GB/T 2260; the other lists are
//! design decisions drawn from the registration rules.

use super::model::{
    DICT_ANOMALY_TYPE, DICT_DISTRICT, DICT_IP_TYPE, DICT_LEGAL_FORM, DICT_NON_ACCEPT_REASON,
    DICT_REFUSAL_REASON, DICT_RETURN_REASON, DICT_SOCIO_GOAL, DICT_TECH_FIELD,
};

/// (code, label, parent code)
pub type Seed = (&'static str, &'static str, Option<&'static str>);

pub struct BuiltIn {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// `None` for districts, which come from `districts::SHANGHAI`.
    pub entries: Option<&'static [Seed]>,
}

pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        code: DICT_TECH_FIELD,
        name: "技术领域",
        description: "全国技术市场统计口径的技术领域；可增加下级细分领域。",
        entries: Some(TECH_FIELDS),
    },
    BuiltIn {
        code: DICT_LEGAL_FORM,
        name: "法人类型",
        description: "技术合同登记表（JJ-001）中买卖双方的法人类型代码。",
        entries: Some(LEGAL_FORMS),
    },
    BuiltIn {
        code: DICT_DISTRICT,
        name: "行政区划",
        description: "上海市各区的行政区划代码（GB/T 2260）。",
        entries: None,
    },
    BuiltIn {
        code: DICT_IP_TYPE,
        name: "知识产权类型",
        description: "合同涉及的知识产权类型（技术市场统计口径）。",
        entries: Some(IP_TYPES),
    },
    BuiltIn {
        code: DICT_SOCIO_GOAL,
        name: "社会经济目标",
        description: "合同项目服务的社会经济目标（参照科技统计的社会经济目标分类）。",
        entries: Some(SOCIO_GOALS),
    },
    BuiltIn {
        code: DICT_NON_ACCEPT_REASON,
        name: "不予受理理由",
        description: "登记处在受理环节不予受理申请时选择的理由。",
        entries: Some(NON_ACCEPT_REASONS),
    },
    BuiltIn {
        code: DICT_RETURN_REASON,
        name: "退回补正理由",
        description: "退回申请人补正材料时选择的理由（可多选，另可填写说明）。",
        entries: Some(RETURN_REASONS),
    },
    BuiltIn {
        code: DICT_REFUSAL_REASON,
        name: "不予登记理由",
        description: "审查后不予登记时选择的理由（可多选，另可填写说明）。",
        entries: Some(REFUSAL_REASONS),
    },
    BuiltIn {
        code: DICT_ANOMALY_TYPE,
        name: "异常信息类型",
        description: "市技术市场办维护的企业异常信息的类型。",
        entries: Some(ANOMALY_TYPES),
    },
];

const ANOMALY_TYPES: &[Seed] = &[
    ("abnormal_operation", "经营异常名录", None),
    ("seriously_dishonest", "严重违法失信名单", None),
    ("revoked_credit_code", "统一社会信用代码被撤销", None),
    ("repeated_duplicates", "多次重复提交", None),
    ("other", "其他", None),
];

const TECH_FIELDS: &[Seed] = &[
    ("01", "电子信息", None),
    ("02", "先进制造", None),
    ("03", "航空航天", None),
    ("04", "现代交通", None),
    ("05", "农业", None),
    ("06", "生物、医药和医疗器械", None),
    ("07", "新材料及其应用", None),
    ("08", "新能源与高效节能", None),
    ("09", "环境保护与资源综合利用", None),
    ("10", "城市建设与社会发展", None),
    ("11", "核应用", None),
];

const LEGAL_FORMS: &[Seed] = &[
    ("010", "机关法人", None),
    ("020", "事业法人", None),
    ("021", "科研机构", Some("020")),
    ("022", "高等院校", Some("020")),
    ("023", "医疗卫生机构", Some("020")),
    ("029", "其他事业单位", Some("020")),
    ("030", "社团法人", None),
    ("100", "内资企业", None),
    ("110", "国有企业", Some("100")),
    ("120", "集体企业", Some("100")),
    ("130", "股份合作企业", Some("100")),
    ("140", "联营企业", Some("100")),
    ("150", "有限责任公司", Some("100")),
    ("160", "股份有限公司", Some("100")),
    ("170", "私营企业", Some("100")),
    ("190", "其他内资企业", Some("100")),
    ("200", "港澳台商投资企业", None),
    ("300", "外商投资企业", None),
    ("400", "个人", None),
];

const IP_TYPES: &[Seed] = &[
    ("01", "技术秘密", None),
    ("02", "专利", None),
    ("021", "发明专利", Some("02")),
    ("022", "实用新型专利", Some("02")),
    ("023", "外观设计专利", Some("02")),
    ("03", "计算机软件著作权", None),
    ("04", "集成电路布图设计专有权", None),
    ("05", "植物新品种", None),
    ("06", "生物、医药新品种", None),
    ("07", "设计著作权", None),
    ("99", "未涉及知识产权", None),
];

const SOCIO_GOALS: &[Seed] = &[
    ("01", "环境保护、生态建设及污染防治", None),
    ("02", "能源生产、分配和合理利用", None),
    ("03", "卫生事业发展", None),
    ("04", "教育事业发展", None),
    ("05", "基础设施以及城市和农村规划", None),
    ("06", "社会发展和社会服务", None),
    ("07", "地球和大气层的探索与利用", None),
    ("08", "民用空间探测及开发", None),
    ("09", "农林牧渔业发展", None),
    ("10", "促进工业发展", None),
    ("11", "非定向研究", None),
    ("12", "其他民用目标", None),
    ("13", "国防", None),
];

const NON_ACCEPT_REASONS: &[Seed] = &[
    ("01", "未提交书面合同（口头合同不予受理）", None),
    ("02", "申请人不是应当办理登记的一方（卖方）", None),
    ("03", "不属于本登记处受理范围", None),
    ("04", "超过合同有效期申请登记", None),
    ("05", "同一合同已申请或已完成登记", None),
    ("06", "涉密合同，应以纸质材料向市技术市场办申请", None),
    ("07", "申请人存在严重失信记录或异常信息", None),
    ("99", "其他", None),
];

const RETURN_REASONS: &[Seed] = &[
    ("01", "合同文本不完整（缺页、缺附件）", None),
    ("02", "合同扫描件不清晰", None),
    ("03", "合同缺少签字或盖章", None),
    ("04", "登记信息表填写有误或与合同内容不一致", None),
    ("05", "缺少内部机构或团队签订合同的授权书", None),
    ("06", "缺少知识产权权属证明", None),
    ("07", "缺少项目主管部门同意登记的证明", None),
    ("08", "缺少应当取得的行政许可文件", None),
    ("09", "外文合同缺少中文文本或一致性承诺", None),
    ("10", "成交额、技术交易额填写有误或非技术性费用未扣除", None),
    ("99", "其他", None),
];

const REFUSAL_REASONS: &[Seed] = &[
    ("01", "合同无效或者尚未生效", None),
    ("02", "不属于技术合同", None),
    ("03", "合同当事人不明确", None),
    ("04", "合同标的不明确，不能判断技术内容", None),
    ("05", "价款、报酬、使用费不明确", None),
    ("06", "含有非法垄断技术或者侵害他人技术成果的条款", None),
    ("07", "应当经有关部门审批而未审批", None),
    ("08", "合同名称与合同内容不一致且未更正", None),
    ("09", "应当提交的证明材料缺失或无效", None),
    ("10", "合同签章不全或与当事人名称不一致", None),
    ("99", "其他", None),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_codes_are_valid_unique_and_parents_come_first() {
        for d in BUILT_IN {
            let Some(entries) = d.entries else { continue };
            let mut seen: Vec<&str> = Vec::new();
            for (code, label, parent) in entries {
                assert!(super::super::model::valid_code(code), "{}/{code}", d.code);
                assert!(!label.is_empty() && label.chars().count() <= 100);
                assert!(!seen.contains(code), "{}/{code} twice", d.code);
                if let Some(p) = parent {
                    assert!(seen.contains(p), "{}/{code}: parent {p} first", d.code);
                }
                seen.push(code);
            }
        }
    }
}
