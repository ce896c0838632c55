//! The contract registration state machine: status × action → status, with
//! the guards that decide between branches. Every allowed transition is in
//! [`next`]; everything else is refused. Services store each transition as
//! a `contract_event`.

/// Where a contract application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// 草稿
    Draft,
    /// 已提交，待受理
    Submitted,
    /// 已撤回 (by the applicant before acceptance)
    Withdrawn,
    /// 不予受理
    NotAccepted,
    /// 退回补正
    Returned,
    /// 已受理，审查中
    Reviewing,
    /// 专家评审中
    ExpertReview,
    /// 大额审核中 (the office's large-contract approver)
    LargeApproval,
    /// 待审定 (at the city office)
    PendingApproval,
    /// 已登记
    Registered,
    /// 不予登记
    Refused,
    /// 变更审查中
    Changing,
    /// 注销审查中
    Cancelling,
    /// 已注销
    Cancelled,
    /// 已撤销
    Revoked,
}

impl Status {
    pub const ALL: [Status; 15] = [
        Status::Draft,
        Status::Submitted,
        Status::Withdrawn,
        Status::NotAccepted,
        Status::Returned,
        Status::Reviewing,
        Status::ExpertReview,
        Status::LargeApproval,
        Status::PendingApproval,
        Status::Registered,
        Status::Refused,
        Status::Changing,
        Status::Cancelling,
        Status::Cancelled,
        Status::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Withdrawn => "withdrawn",
            Status::NotAccepted => "not_accepted",
            Status::Returned => "returned",
            Status::Reviewing => "reviewing",
            Status::ExpertReview => "expert_review",
            Status::LargeApproval => "large_approval",
            Status::PendingApproval => "pending_approval",
            Status::Registered => "registered",
            Status::Refused => "refused",
            Status::Changing => "changing",
            Status::Cancelling => "cancelling",
            Status::Cancelled => "cancelled",
            Status::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Submitted => "待受理",
            Status::Withdrawn => "已撤回",
            Status::NotAccepted => "不予受理",
            Status::Returned => "退回补正",
            Status::Reviewing => "审查中",
            Status::ExpertReview => "专家评审中",
            Status::LargeApproval => "大额审核中",
            Status::PendingApproval => "待审定",
            Status::Registered => "已登记",
            Status::Refused => "不予登记",
            Status::Changing => "变更审查中",
            Status::Cancelling => "注销审查中",
            Status::Cancelled => "已注销",
            Status::Revoked => "已撤销",
        }
    }

    /// No action leads out of it.
    pub fn is_final(self) -> bool {
        Action::ALL.iter().all(|a| {
            next(self, *a, Guards::default()).is_err()
                && next(self, *a, Guards { large: true }).is_err()
        })
    }
}

/// What someone does to a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// The applicant submits (or resubmits after correction).
    Submit,
    /// The applicant withdraws before acceptance.
    Withdraw,
    /// The office accepts (受理).
    Accept,
    /// The system accepts when the office has not acted in time.
    AutoAccept,
    /// 不予受理, by the office or automatically (blocking anomaly).
    NotAccept,
    /// 退回补正, with comments per field.
    Return,
    /// 专家评审 starts.
    SendToExperts,
    /// Expert review ends; back to the reviewer.
    FinishExperts,
    /// The reviewer proposes to register.
    ProposeRegister,
    /// The reviewer proposes to refuse.
    ProposeRefuse,
    /// The large-contract approver agrees with the proposal.
    ApproveLarge,
    /// The large-contract approver sends the case back to the reviewer.
    RejectLarge,
    /// 审定: the city office registers.
    Approve,
    /// 审定: the city office refuses (不予登记).
    Refuse,
    /// The city office sends the case back to the office.
    SendBack,
    /// The applicant asks to change a registered contract (变更).
    RequestChange,
    ApproveChange,
    RejectChange,
    /// The applicant asks to cancel a registered contract (注销).
    RequestCancel,
    ApproveCancel,
    RejectCancel,
    /// The city office revokes a registration (撤销).
    Revoke,
    /// The city office lifts an automatic 不予受理 (blocking anomaly): the
    /// case goes back to the office's acceptance queue. The service allows
    /// it only after a refusal by the system.
    Reinstate,
}

impl Action {
    pub const ALL: [Action; 23] = [
        Action::Submit,
        Action::Withdraw,
        Action::Accept,
        Action::AutoAccept,
        Action::NotAccept,
        Action::Return,
        Action::SendToExperts,
        Action::FinishExperts,
        Action::ProposeRegister,
        Action::ProposeRefuse,
        Action::ApproveLarge,
        Action::RejectLarge,
        Action::Approve,
        Action::Refuse,
        Action::SendBack,
        Action::RequestChange,
        Action::ApproveChange,
        Action::RejectChange,
        Action::RequestCancel,
        Action::ApproveCancel,
        Action::RejectCancel,
        Action::Revoke,
        Action::Reinstate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::Accept => "accept",
            Action::AutoAccept => "auto_accept",
            Action::NotAccept => "not_accept",
            Action::Return => "return",
            Action::SendToExperts => "send_to_experts",
            Action::FinishExperts => "finish_experts",
            Action::ProposeRegister => "propose_register",
            Action::ProposeRefuse => "propose_refuse",
            Action::ApproveLarge => "approve_large",
            Action::RejectLarge => "reject_large",
            Action::Approve => "approve",
            Action::Refuse => "refuse",
            Action::SendBack => "send_back",
            Action::RequestChange => "request_change",
            Action::ApproveChange => "approve_change",
            Action::RejectChange => "reject_change",
            Action::RequestCancel => "request_cancel",
            Action::ApproveCancel => "approve_cancel",
            Action::RejectCancel => "reject_cancel",
            Action::Revoke => "revoke",
            Action::Reinstate => "reinstate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Submit => "提交",
            Action::Withdraw => "撤回",
            Action::Accept => "受理",
            Action::AutoAccept => "逾期自动受理",
            Action::NotAccept => "不予受理",
            Action::Return => "退回补正",
            Action::SendToExperts => "提交专家评审",
            Action::FinishExperts => "结束专家评审",
            Action::ProposeRegister => "审查意见：建议登记",
            Action::ProposeRefuse => "审查意见：建议不予登记",
            Action::ApproveLarge => "大额审核通过",
            Action::RejectLarge => "大额审核退回审查",
            Action::Approve => "审定登记",
            Action::Refuse => "审定不予登记",
            Action::SendBack => "退回登记处",
            Action::RequestChange => "申请变更",
            Action::ApproveChange => "同意变更",
            Action::RejectChange => "不同意变更",
            Action::RequestCancel => "申请注销",
            Action::ApproveCancel => "同意注销",
            Action::RejectCancel => "不同意注销",
            Action::Revoke => "撤销登记",
            Action::Reinstate => "撤销自动不予受理",
        }
    }
}

/// Facts about the case that choose between branches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Guards {
    /// 技术交易额 at or above the large-contract threshold.
    pub large: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("当前状态（{}）下不能执行“{}”", from.label(), action.label())]
pub struct NotAllowed {
    pub from: Status,
    pub action: Action,
}

/// The status after `action`, or why it is not allowed now.
pub fn next(from: Status, action: Action, g: Guards) -> Result<Status, NotAllowed> {
    use Action as A;
    use Status as S;
    let to = match (from, action) {
        (S::Draft | S::Returned, A::Submit) => S::Submitted,
        (S::Submitted, A::Withdraw) => S::Withdrawn,
        (S::Submitted, A::Accept | A::AutoAccept) => S::Reviewing,
        (S::Submitted, A::NotAccept) => S::NotAccepted,
        (S::Submitted | S::Reviewing, A::Return) => S::Returned,
        (S::Reviewing, A::SendToExperts) => S::ExpertReview,
        (S::ExpertReview, A::FinishExperts) => S::Reviewing,
        (S::Reviewing, A::ProposeRegister | A::ProposeRefuse) if g.large => S::LargeApproval,
        (S::Reviewing, A::ProposeRegister | A::ProposeRefuse) => S::PendingApproval,
        (S::LargeApproval, A::ApproveLarge) => S::PendingApproval,
        (S::LargeApproval, A::RejectLarge) => S::Reviewing,
        (S::PendingApproval, A::Approve) => S::Registered,
        (S::PendingApproval, A::Refuse) => S::Refused,
        (S::PendingApproval, A::SendBack) => S::Reviewing,
        (S::Registered, A::RequestChange) => S::Changing,
        (S::Changing, A::ApproveChange | A::RejectChange) => S::Registered,
        (S::Registered, A::RequestCancel) => S::Cancelling,
        (S::Cancelling, A::ApproveCancel) => S::Cancelled,
        (S::Cancelling, A::RejectCancel) => S::Registered,
        (S::Registered | S::Changing | S::Cancelling, A::Revoke) => S::Revoked,
        (S::NotAccepted, A::Reinstate) => S::Submitted,
        _ => return Err(NotAllowed { from, action }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Status as S;

    /// Every allowed (from, action, large) → to. Anything not listed must be
    /// refused; the test walks the whole product to prove it.
    const ALLOWED: &[(Status, Action, Option<bool>, Status)] = &[
        (S::Draft, A::Submit, None, S::Submitted),
        (S::Returned, A::Submit, None, S::Submitted),
        (S::Submitted, A::Withdraw, None, S::Withdrawn),
        (S::Submitted, A::Accept, None, S::Reviewing),
        (S::Submitted, A::AutoAccept, None, S::Reviewing),
        (S::Submitted, A::NotAccept, None, S::NotAccepted),
        (S::Submitted, A::Return, None, S::Returned),
        (S::Reviewing, A::Return, None, S::Returned),
        (S::Reviewing, A::SendToExperts, None, S::ExpertReview),
        (S::ExpertReview, A::FinishExperts, None, S::Reviewing),
        (
            S::Reviewing,
            A::ProposeRegister,
            Some(false),
            S::PendingApproval,
        ),
        (
            S::Reviewing,
            A::ProposeRegister,
            Some(true),
            S::LargeApproval,
        ),
        (
            S::Reviewing,
            A::ProposeRefuse,
            Some(false),
            S::PendingApproval,
        ),
        (S::Reviewing, A::ProposeRefuse, Some(true), S::LargeApproval),
        (S::LargeApproval, A::ApproveLarge, None, S::PendingApproval),
        (S::LargeApproval, A::RejectLarge, None, S::Reviewing),
        (S::PendingApproval, A::Approve, None, S::Registered),
        (S::PendingApproval, A::Refuse, None, S::Refused),
        (S::PendingApproval, A::SendBack, None, S::Reviewing),
        (S::Registered, A::RequestChange, None, S::Changing),
        (S::Changing, A::ApproveChange, None, S::Registered),
        (S::Changing, A::RejectChange, None, S::Registered),
        (S::Registered, A::RequestCancel, None, S::Cancelling),
        (S::Cancelling, A::ApproveCancel, None, S::Cancelled),
        (S::Cancelling, A::RejectCancel, None, S::Registered),
        (S::Registered, A::Revoke, None, S::Revoked),
        (S::Changing, A::Revoke, None, S::Revoked),
        (S::Cancelling, A::Revoke, None, S::Revoked),
        (S::NotAccepted, A::Reinstate, None, S::Submitted),
    ];

    fn expected(from: Status, action: Action, large: bool) -> Option<Status> {
        ALLOWED
            .iter()
            .find(|(f, a, l, _)| *f == from && *a == action && l.is_none_or(|l| l == large))
            .map(|(_, _, _, to)| *to)
    }

    #[test]
    fn every_status_action_pair_is_allowed_or_refused_exactly_as_listed() {
        let mut checked = 0;
        for from in Status::ALL {
            for action in Action::ALL {
                for large in [false, true] {
                    let got = next(from, action, Guards { large }).ok();
                    assert_eq!(
                        got,
                        expected(from, action, large),
                        "{from:?} --{action:?} (large={large})"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 15 * 23 * 2);
    }

    #[test]
    fn final_states_have_no_way_out() {
        let finals: Vec<Status> = Status::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(
            finals,
            vec![S::Withdrawn, S::Refused, S::Cancelled, S::Revoked]
        );
        // Only an automatic 不予受理 may be lifted, and only by the city
        // office (checked by the service); every other way stays closed.
        assert!(
            Action::ALL
                .iter()
                .filter(|a| **a != A::Reinstate)
                .all(|a| next(S::NotAccepted, *a, Guards::default()).is_err())
        );
    }

    #[test]
    fn names_round_trip_and_labels_are_chinese() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(!s.label().is_ascii());
        }
        assert_eq!(Status::parse("nonsense"), None);
        let names: std::collections::BTreeSet<&str> =
            Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), Action::ALL.len());
    }

    #[test]
    fn a_refusal_names_the_state_and_the_action() {
        let e = next(S::Registered, A::Accept, Guards::default()).unwrap_err();
        assert_eq!(e.to_string(), "当前状态（已登记）下不能执行“受理”");
    }
}
