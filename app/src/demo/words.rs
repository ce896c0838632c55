//! The generator of the benchmark contracts and the words they are made
//! of: firm names, topics, summaries, and the perturbation model of a
//! near-duplicate (docs/decisions/duplicates.md).

/// A small deterministic generator (splitmix64): the same seed gives the
/// same data on every platform and with every version of `rand`.
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub fn permille(&mut self, p: u64) -> bool {
        self.below(1000) < p
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub const CITY: &[&str] = &[
    "上海",
    "浦江",
    "申城",
    "东方",
    "华东",
    "沪",
    "长江",
    "黄浦江",
    "松江",
    "临港",
];
pub const FIRM: &[&str] = &[
    "智能",
    "精密",
    "生物",
    "新材料",
    "信息",
    "电子",
    "医药",
    "汽车",
    "能源",
    "环境",
    "软件",
    "机器人",
    "光电",
    "化工",
    "数据",
    "半导体",
    "航空",
    "海洋",
    "仪器",
    "网络",
];
pub const WORD: &[&str] = &[
    "恒", "源", "创", "博", "瑞", "华", "信", "达", "联", "凯", "科", "鼎", "宏", "泰", "正", "明",
    "安", "康", "思", "远", "天", "诚", "合", "新", "德", "宇", "峰", "晟", "越", "卓",
];
pub const FORM: &[&str] = &["有限公司", "股份有限公司", "研究院", "有限责任公司"];
pub const TOPIC: &[&str] = &[
    "机器视觉",
    "深度学习",
    "边缘计算",
    "数字孪生",
    "区块链",
    "锂电池",
    "氢燃料",
    "纳米涂层",
    "基因测序",
    "细胞培养",
    "工业互联网",
    "激光焊接",
    "毫米波雷达",
    "碳纤维",
    "光刻胶",
    "北斗定位",
    "智能电网",
    "医学影像",
    "语音识别",
    "自然语言处理",
    "增材制造",
    "柔性显示",
    "污水处理",
    "固废资源化",
    "储能变流",
    "微流控",
    "高分子",
    "智慧物流",
    "车路协同",
    "知识图谱",
];
pub const OBJECT: &[&str] = &[
    "检测系统",
    "控制平台",
    "分析软件",
    "生产工艺",
    "监测装置",
    "管理系统",
    "算法模型",
    "测试方法",
    "制备技术",
    "评价体系",
    "优化方案",
    "调度系统",
    "识别模块",
    "驱动电路",
    "标定装置",
    "仿真平台",
];
pub const KIND: &[(&str, &str, &str)] = &[
    ("development", "entrusted", "技术开发"),
    ("development", "cooperative", "合作开发"),
    ("transfer", "patent", "专利权转让"),
    ("licence", "patent", "专利实施许可"),
    ("consulting", "consulting", "技术咨询"),
    ("service", "service", "技术服务"),
    ("service", "training", "技术培训"),
];
pub const GENERIC: &[&str] = &[
    "技术服务合同",
    "技术开发合同",
    "技术咨询合同",
    "技术转让合同",
    "技术开发（委托）合同",
    "技术服务协议",
];
const VERB: &[&str] = &[
    "研制", "开发", "优化", "改进", "设计", "搭建", "验证", "部署", "升级", "评估",
];
const PART: &[&str] = &[
    "数据采集",
    "特征提取",
    "参数标定",
    "样机试制",
    "中试放大",
    "现场调试",
    "性能测试",
    "可靠性验证",
    "接口开发",
    "人员培训",
    "文档编制",
    "算法移植",
    "模型训练",
    "工艺验证",
    "质量追溯",
    "故障诊断",
    "能耗分析",
    "安全评估",
    "系统集成",
    "远程运维",
];
const DELIVER: &[&str] = &[
    "源代码",
    "技术报告",
    "样机",
    "工艺文件",
    "图纸",
    "测试报告",
    "专利申请文件",
    "操作手册",
    "数据集",
    "培训教材",
];
const SIMILAR: &[(char, char)] = &[
    ('测', '侧'),
    ('统', '通'),
    ('制', '治'),
    ('型', '形'),
    ('技', '枝'),
    ('术', '木'),
    ('开', '升'),
    ('发', '友'),
    ('系', '糸'),
    ('务', '各'),
    ('服', '报'),
    ('合', '含'),
];

pub fn summary(g: &mut Gen, topic: &str, object: &str) -> String {
    let mut s = format!("{}{}{}，", g.pick(VERB), topic, object);
    let k = 3 + g.below(3);
    for _ in 0..k {
        s.push_str(&format!(
            "{}{}{}，",
            g.pick(PART),
            g.pick(&["达到", "不低于", "提升至", "控制在", "覆盖"]),
            match g.below(4) {
                0 => format!("{}%", 50 + g.below(50)),
                1 => format!("{}台套", 1 + g.below(200)),
                2 => format!("{}毫秒", 1 + g.below(900)),
                _ => format!("{}项指标", 2 + g.below(30)),
            }
        ));
    }
    s.push_str(&format!(
        "{}{}，交付{}和{}。",
        g.pick(CITY),
        g.pick(&["现场实施", "分期验收", "联合攻关", "驻场支持", "远程协作"]),
        g.pick(DELIVER),
        g.pick(DELIVER)
    ));
    s
}

/// The perturbation model of a near-duplicate's name: one of
/// swap two adjacent characters / substitute a look-alike character /
/// change punctuation and spacing (brackets full↔half width, spaces,
/// a trailing 。).
pub fn perturb_name(g: &mut Gen, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    match g.below(3) {
        0 if chars.len() > 4 => {
            let i = 1 + g.below(chars.len() as u64 - 3) as usize;
            chars.swap(i, i + 1);
            chars.into_iter().collect()
        }
        1 => {
            let candidates: Vec<usize> = (0..chars.len())
                .filter(|i| SIMILAR.iter().any(|(a, _)| *a == chars[*i]))
                .collect();
            if let Some(i) = candidates.get(g.below(candidates.len().max(1) as u64) as usize) {
                let to = SIMILAR
                    .iter()
                    .find(|(a, _)| *a == chars[*i])
                    .map(|x| x.1)
                    .unwrap();
                chars[*i] = to;
                chars.into_iter().collect()
            } else {
                format!("{name} ")
            }
        }
        _ => {
            let s = name.replace('（', "(").replace('）', ")");
            let mid = s.chars().count() / 2;
            let (a, b): (String, String) =
                (s.chars().take(mid).collect(), s.chars().skip(mid).collect());
            format!("{a} {b}。")
        }
    }
}

/// Punctuation and spacing of a near-duplicate's summary.
pub fn perturb_summary(g: &mut Gen, s: &str) -> String {
    match g.below(3) {
        0 => s.replace('，', ", "),
        1 => s.replace('。', ".").replace('，', "、"),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic_and_perturbations_stay_close() {
        let (mut a, mut b) = (Gen::new(7), Gen::new(7));
        assert_eq!(
            (0..5).map(|_| a.next_u64()).collect::<Vec<_>>(),
            (0..5).map(|_| b.next_u64()).collect::<Vec<_>>()
        );
        let mut g = Gen::new(1);
        for _ in 0..50 {
            let name = "机器视觉检测系统技术开发合同";
            let p = perturb_name(&mut g, name);
            let (x, y) = (
                crate::duplicates::shingles(&crate::duplicates::normalize(name), 3),
                crate::duplicates::shingles(&crate::duplicates::normalize(&p), 3),
            );
            assert!(crate::duplicates::jaccard(&x, &y) >= 0.5, "{p}");
        }
    }
}
