//! Shanghai's 16 districts with their GB/T 2260 codes.

use techreg_views::pages::identity::District;

pub const SHANGHAI: &[District] = &[
    District {
        code: "310101",
        name: "黄浦区",
    },
    District {
        code: "310104",
        name: "徐汇区",
    },
    District {
        code: "310105",
        name: "长宁区",
    },
    District {
        code: "310106",
        name: "静安区",
    },
    District {
        code: "310107",
        name: "普陀区",
    },
    District {
        code: "310109",
        name: "虹口区",
    },
    District {
        code: "310110",
        name: "杨浦区",
    },
    District {
        code: "310112",
        name: "闵行区",
    },
    District {
        code: "310113",
        name: "宝山区",
    },
    District {
        code: "310114",
        name: "嘉定区",
    },
    District {
        code: "310115",
        name: "浦东新区",
    },
    District {
        code: "310116",
        name: "金山区",
    },
    District {
        code: "310117",
        name: "松江区",
    },
    District {
        code: "310118",
        name: "青浦区",
    },
    District {
        code: "310120",
        name: "奉贤区",
    },
    District {
        code: "310151",
        name: "崇明区",
    },
];

pub fn name_of(code: &str) -> Option<&'static str> {
    SHANGHAI.iter().find(|d| d.code == code).map(|d| d.name)
}
