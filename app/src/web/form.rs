//! Typed forms. `Form<T>` reads an `application/x-www-form-urlencoded` body
//! into `T` with `serde_html_form` (which, unlike poem's own, collects a
//! repeated key such as a checkbox list into a `Vec`); a body that does not
//! fit `T` is refused with the Chinese 400 page, never an English one.
//! `form_state` turns a typed form and the field errors a service found
//! into what the views re-render (values kept, messages inline).

use poem::{FromRequest, Request, RequestBody};
use serde::Serialize;
use serde::de::DeserializeOwned;
use techreg_views::pages::identity::FormState;

use super::WebError;
use crate::core::FieldErrors;

/// A form body is small: anything larger than this is refused (413).
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

pub struct Form<T>(pub T);

impl<'a, T: DeserializeOwned> FromRequest<'a> for Form<T> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let is_form = req
            .header("content-type")
            .is_none_or(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(WebError::BadRequest("form: wrong content type".into()).into());
        }
        let bytes = body
            .take()?
            .into_bytes_limit(MAX_FORM_BYTES)
            .await
            .map_err(|_| WebError::TooLarge)?;
        serde_html_form::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| WebError::BadRequest(format!("form: {e}")).into())
    }
}

/// The values of `form` as the fields were named, with `errors` inline.
pub fn form_state<T: Serialize>(form: &T, errors: &FieldErrors) -> FormState {
    let encoded = serde_html_form::to_string(form).unwrap_or_default();
    let values: Vec<(String, String)> = serde_html_form::from_str(&encoded).unwrap_or_default();
    FormState {
        values,
        errors: errors
            .iter()
            .map(|(f, m)| (f.to_owned(), m.to_owned()))
            .collect(),
        message: None,
    }
}

/// A form read as name–value pairs, for the forms not yet typed.
pub fn from_pairs(fields: &[(String, String)]) -> FormState {
    FormState {
        values: fields.to_vec(),
        ..FormState::default()
    }
}

/// A form to show filled in, with no errors.
pub fn filled<T: Serialize>(form: &T) -> FormState {
    form_state(form, &FieldErrors::new())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Serialize, Default)]
    struct Pick {
        #[serde(default)]
        name: String,
        #[serde(default)]
        ids: Vec<i64>,
    }

    #[test]
    fn repeated_keys_fill_a_list_and_values_come_back_for_re_rendering() {
        let p: Pick = serde_html_form::from_str("name=%E5%BC%A0%E4%B8%89&ids=1&ids=7").unwrap();
        assert_eq!(p.name, "张三");
        assert_eq!(p.ids, [1, 7]);
        let mut errors = FieldErrors::new();
        errors.add("name", "请填写名称");
        let state = form_state(&p, &errors);
        assert_eq!(state.value("name"), "张三");
        assert_eq!(state.error("name"), Some("请填写名称"));
        assert_eq!(
            state.values.iter().filter(|(k, _)| k == "ids").count(),
            2,
            "each checked id comes back"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_an_error_not_a_default() {
        assert!(serde_html_form::from_str::<Pick>("ids=x").is_err());
    }
}
