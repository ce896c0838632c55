//! Checks of identifiers and passwords, each failing with the Chinese message
//! the form shows beside the field.

use crate::core::text::normalize_code;

const CREDIT_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// 统一社会信用代码 (GB 32100-2015): 18 characters from the 31-character set,
/// the last one a check character over the first 17. Full-width input is
/// normalised first. Returns the normalised code.
pub fn credit_code(input: &str) -> Result<String, &'static str> {
    let code = normalize_code(input);
    if code.is_empty() {
        return Err("请填写统一社会信用代码");
    }
    if code.chars().count() != 18 {
        return Err("统一社会信用代码应为 18 位");
    }
    let values: Option<Vec<u32>> = code
        .chars()
        .map(|c| CREDIT_CHARS.find(c).map(|i| i as u32))
        .collect();
    let Some(values) = values else {
        return Err("统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）");
    };
    if credit_check_value(&values[..17]) != values[17] {
        return Err("统一社会信用代码校验位不正确，请核对营业执照");
    }
    Ok(code)
}

fn credit_check_value(first17: &[u32]) -> u32 {
    let sum: u32 = first17.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

/// The check character for 17 leading characters (for generating test and
/// demo data).
pub fn credit_check_char(first17: &str) -> char {
    let values: Vec<u32> = first17
        .chars()
        .map(|c| CREDIT_CHARS.find(c).expect("valid character") as u32)
        .collect();
    CREDIT_CHARS.as_bytes()[credit_check_value(&values) as usize] as char
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// 公民身份号码 (GB 11643-1999): 17 digits and a check digit (0-9 or X).
pub fn id_card(input: &str) -> Result<String, &'static str> {
    let id = normalize_code(input);
    if id.is_empty() {
        return Err("请填写身份证号码");
    }
    if id.len() != 18 || !id[..17].bytes().all(|b| b.is_ascii_digit()) {
        return Err("身份证号码应为 18 位，前 17 位为数字");
    }
    let sum: u32 = id[..17]
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    if ID_CHECK[(sum % 11) as usize] != id.as_bytes()[17] {
        return Err("身份证号码校验位不正确，请核对");
    }
    Ok(id)
}

pub fn id_card_check_char(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    ID_CHECK[(sum % 11) as usize] as char
}

/// Mainland mobile numbers: 11 digits starting with 13-19.
pub fn mobile(input: &str) -> Result<String, &'static str> {
    let m = normalize_code(input).replace([' ', '-'], "");
    if m.is_empty() {
        return Err("请填写手机号码");
    }
    let ok = m.len() == 11
        && m.bytes().all(|b| b.is_ascii_digit())
        && m.starts_with('1')
        && (b'3'..=b'9').contains(&m.as_bytes()[1]);
    if ok {
        Ok(m)
    } else {
        Err("手机号码应为 11 位数字，以 13–19 开头")
    }
}

pub fn username(input: &str) -> Result<String, &'static str> {
    let u = input.trim();
    if u.is_empty() {
        return Err("请填写用户名");
    }
    let ok = (4..=50).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && u.as_bytes()[0].is_ascii_alphabetic();
    if ok {
        Ok(u.to_ascii_lowercase())
    } else {
        Err("用户名为 4–50 位字母、数字、下划线或点，以字母开头")
    }
}

/// The password policy's values (runtime settings of the security admin).
#[derive(Clone, Copy, Debug)]
pub struct PasswordPolicy {
    pub min_length: usize,
}

/// Length, three of four character classes, not containing the username.
/// Reuse of recent passwords is checked by the service against history.
pub fn password(policy: &PasswordPolicy, password: &str, username: &str) -> Result<(), String> {
    if password.is_empty() {
        return Err("请填写密码".into());
    }
    if password.chars().count() < policy.min_length {
        return Err(format!("密码至少 {} 位", policy.min_length));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|b| **b).count() < 3 {
        return Err("密码须包含大写字母、小写字母、数字、符号中的至少三类".into());
    }
    let lower_user = username.trim().to_lowercase();
    if !lower_user.is_empty() && password.to_lowercase().contains(&lower_user) {
        return Err("密码不能包含用户名".into());
    }
    Ok(())
}

/// Masks a mobile number for display: 138****1234.
pub fn mask_mobile(mobile: &str) -> String {
    if mobile.len() == 11 {
        format!("{}****{}", &mobile[..3], &mobile[7..])
    } else {
        "****".into()
    }
}

/// Masks an ID number for display: 3101**********1234. No page shows an
/// ID number yet.
#[allow(dead_code)]
pub fn mask_id_card(id: &str) -> String {
    if id.len() == 18 {
        format!("{}{}{}", &id[..4], "*".repeat(10), &id[14..])
    } else {
        "****".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_follow_gb_32100() {
        let first17 = "91310115MA1K3YJ8";
        assert_eq!(first17.len(), 16);
        let base = "91310115MA1K3YJ8X"; // 17 characters (X is a valid character)
        let code = format!("{base}{}", credit_check_char(base));
        assert_eq!(credit_code(&code).unwrap(), code);
        // full-width and lower case are normalised
        let wide: String = code
            .to_lowercase()
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(credit_code(&wide).unwrap(), code);
        // a published example
        assert!(credit_code("91350100M000100Y43").is_ok());
        // wrong check character
        let mut bad = code.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        assert!(credit_code(&bad).unwrap_err().contains("校验位"));
        assert!(credit_code("9131011").unwrap_err().contains("18 位"));
        assert!(
            credit_code("91310115MA1K3YJ8XI")
                .unwrap_err()
                .contains("无效字符")
        );
        assert!(credit_code("").is_err());
    }

    #[test]
    fn id_cards_follow_gb_11643() {
        assert_eq!(id_card("11010519491231002x").unwrap(), "11010519491231002X");
        assert!(
            id_card("110105194912310021")
                .unwrap_err()
                .contains("校验位")
        );
        assert!(id_card("1101051949123100").unwrap_err().contains("18 位"));
        let base = "31010119900307123";
        assert!(id_card(&format!("{base}{}", id_card_check_char(base))).is_ok());
    }

    #[test]
    fn mobiles_usernames_and_masks() {
        assert_eq!(mobile("138 1234 5678").unwrap(), "13812345678");
        assert!(mobile("12812345678").is_err());
        assert!(mobile("1381234567").is_err());
        assert_eq!(username(" Zhang_San ").unwrap(), "zhang_san");
        assert!(username("1abc").is_err());
        assert!(username("ab").is_err());
        assert_eq!(mask_mobile("13812341234"), "138****1234");
        assert_eq!(mask_id_card("11010519491231002X"), "1101**********002X");
    }

    #[test]
    fn password_policy() {
        let p = PasswordPolicy { min_length: 8 };
        assert!(password(&p, "Abcdef12", "zhang").is_ok());
        assert!(
            password(&p, "abcdef12!", "zhang").is_ok(),
            "lower, digit, symbol"
        );
        assert!(
            password(&p, "Abc12!", "zhang")
                .unwrap_err()
                .contains("至少 8 位")
        );
        assert!(
            password(&p, "abcdefgh1", "zhang")
                .unwrap_err()
                .contains("三类")
        );
        assert!(
            password(&p, "Zhang123!", "zhang")
                .unwrap_err()
                .contains("用户名")
        );
    }
}
