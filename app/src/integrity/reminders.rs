//! F28: reminders through the whole process for cases of listed
//! enterprises. When such a case reaches the acceptance queue (submitted
//! or reinstated) the clerk who gets it is told to accept it first; when
//! it is accepted, the reviewer who gets it; when it has a result
//! (registered, refused, not accepted), the applicant. The contracts
//! domain says which stage a transition reached and sends the reminder;
//! this is what it says.

pub const TITLE_PREFIX: &str = "诚信企业提醒";

/// The stage a listed enterprise's case reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage<'a> {
    /// In the acceptance queue: the clerk accepts it first.
    ToAccept,
    /// Accepted: the reviewer reviews it first.
    ToReview,
    /// Finished, with the result as shown: the applicant is told.
    Finished { result: &'a str },
}

/// A reminder's title and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub title: String,
    pub body: String,
}

/// The reminder of a case (`name`, `approval_code`) at `stage`.
pub fn reminder(stage: Stage<'_>, name: &str, approval_code: &str) -> Reminder {
    let staff = |stage: &str, ask: &str| {
        format!(
            "“{name}”（统一审批编码 {approval_code}）的申请单位为诚信企业库在库企业，该申请已{stage}，并在队列中优先排列，请{ask}。"
        )
    };
    let body = match stage {
        Stage::ToAccept => staff("提交至本登记处", "优先受理"),
        Stage::ToReview => staff("受理", "优先审查"),
        Stage::Finished { result } => format!(
            "贵单位为上海市技术合同登记诚信企业库在库企业，申请“{name}”（统一审批编码 {approval_code}）已办结，结果：{result}。"
        ),
    };
    Reminder {
        title: format!("{TITLE_PREFIX}：{name}"),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_are_asked_to_act_first_and_the_applicant_hears_the_result() {
        let r = reminder(Stage::ToAccept, "视觉检测", "A1");
        assert_eq!(r.title, "诚信企业提醒：视觉检测");
        assert!(r.body.contains("优先受理"));
        assert!(
            reminder(Stage::ToReview, "x", "A1")
                .body
                .contains("优先审查")
        );
        let done = reminder(
            Stage::Finished {
                result: "已登记"
            },
            "x",
            "A1",
        );
        assert!(done.body.ends_with("已办结，结果：已登记。"));
    }
}
